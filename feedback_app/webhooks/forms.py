"""The endpoint form managers fill in; the rules themselves are the service's."""

from django import forms

from feedback_app.webhooks.models import SUBSCRIBABLE, Webhook


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Who receives it, e.g. “CRM” or “#care”.")
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="The receiver's https:// address (for Slack, the channel's incoming webhook).",
    )
    events = forms.MultipleChoiceField(
        choices=SUBSCRIBABLE, widget=forms.CheckboxSelectMultiple, label="Send these events"
    )
    format = forms.ChoiceField(choices=Webhook.Format.choices, initial=Webhook.Format.JSON)
    active = forms.BooleanField(
        required=False, initial=True, help_text="Untick to pause it; events are not kept."
    )

    @classmethod
    def for_webhook(cls, webhook: Webhook | None, data=None) -> "WebhookForm":
        initial = None
        if webhook is not None:
            fields = ("name", "url", "events", "format", "active")
            initial = {name: getattr(webhook, name) for name in fields}
        return cls(data, initial=initial)
