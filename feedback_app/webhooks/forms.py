"""The endpoint form managers fill in; the rules themselves are the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback_app.webhooks.models import SUBSCRIBABLE, Webhook


class WebhookForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Who receives it, e.g. “CRM” or “#care”.")
    )
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("The receiver's https:// address (for Slack, the channel's incoming webhook)."),
    )
    events = forms.MultipleChoiceField(
        choices=SUBSCRIBABLE, widget=forms.CheckboxSelectMultiple, label=_("Send these events")
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=Webhook.Format.choices, initial=Webhook.Format.JSON
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Untick to pause it; events are not kept."),
    )

    @classmethod
    def for_webhook(cls, webhook: Webhook | None, data=None) -> "WebhookForm":
        initial = None
        if webhook is not None:
            fields = ("name", "url", "events", "format", "active")
            initial = {name: getattr(webhook, name) for name in fields}
        return cls(data, initial=initial)
