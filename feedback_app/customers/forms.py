"""Forms of the customer layer, for staff pages and the customer's own preferences page."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import ContactChannel, Customer, Identity


class CustomerProfileForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "full_name",
            "preferred_channel",
            "language",
            "time_zone",
            "region",
            "age_band",
            "value_tier",
        ]
        labels = {
            "full_name": _("Full name"),
            "preferred_channel": _("Preferred channel"),
            "language": _("Language"),
            "time_zone": _("Time zone"),
            "region": _("Region"),
            "age_band": _("Age band"),
            "value_tier": _("Value tier"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save profile")))


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Identity.Kind.choices)
    value = forms.CharField(label=_("Value"), max_length=320)
    source = forms.CharField(
        label=_("Source"),
        max_length=50,
        required=False,
        help_text=_("For an external id: the system that issued it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_class = "row g-2 align-items-end"
        self.helper.add_input(
            Submit("add_identity", "Add identity", css_class="btn-outline-primary")
        )


class PreferencesForm(forms.Form):
    """One pair of switches per contact channel; used by staff and by the customer."""

    def __init__(self, *args, preferences, language: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if language is not None:  # the customer's own page: they say which language we write in
            self.fields["language"] = forms.ChoiceField(
                label=_("The language we write to you in"),
                choices=settings.LANGUAGES,
                initial=language,
                required=False,  # left out (a page from before it was asked): as it was
            )
        for channel, preference in preferences.items():
            label = ContactChannel(channel).label
            self.fields[f"{channel}_contact"] = forms.BooleanField(
                required=False,
                initial=preference.allow_contact,
                label=_("%(channel)s: you may contact me about my own orders and cases")
                % {"channel": label},
            )
            self.fields[f"{channel}_solicitations"] = forms.BooleanField(
                required=False,
                initial=preference.allow_solicitations,
                label=_("%(channel)s: surveys and news of what changed because of feedback")
                % {"channel": label},
            )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {
            channel: (
                self.cleaned_data[f"{channel}_contact"],
                self.cleaned_data[f"{channel}_solicitations"],
            )
            for channel in ContactChannel.values
            if f"{channel}_contact" in self.cleaned_data
        }


class MergeForm(forms.Form):
    other = forms.CharField(
        label=_("Profile to merge into this one"),
        max_length=320,
        help_text=_("Its customer number, e-mail address or phone number."),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
