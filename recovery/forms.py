"""Forms of the recovery pages: one per workflow step, plus queue actions and settings."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from feedback_app.core.forms import FilesField
from feedback_app.core.numbers import whole_numbers
from feedback_app.core.roles import people
from feedback_app.core.translations import TranslationsFormMixin
from recovery.canned import canned_choices
from recovery.dashboards.filters import report_date
from recovery.models import (
    ApprovalLimit,
    CannedMessage,
    ExperienceStandard,
    Improvement,
    MysteryScore,
    MysteryVisit,
    Restitution,
    State,
    Team,
)
from recovery.services.workflow import SKIPPABLE
from surveys.models import Topic


class StepForm(forms.Form):
    """Every step form carries the state the agent saw, so a colleague's change is noticed."""

    expected_state = forms.ChoiceField(choices=State.choices, widget=forms.HiddenInput)


class MessageForm(StepForm):
    """A step that writes to the customer. `template` switches the canned message the draft
    comes from; the step's own fields fill the message's slots when it is sent."""

    canned_step = ""
    template = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=_("Start from")
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20_000,
        label=_("Message to the customer"),
        help_text=_(
            "{{ cause }}, {{ corrective_action }}, {{ restitution }} and {{ note }} are "
            "filled from the fields above when it is sent; the preview shows the result."
        ),
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        templates = canned_choices(self.canned_step) if templates is None else templates
        self.fields["template"].choices = [
            (m.pk, f"{m.name}" + (f" ({m.topic.name})" if m.topic_id else " (default)"))
            for m in templates
        ]
        if not templates:
            del self.fields["template"]


class ApologyForm(MessageForm):
    step = "apologise"
    canned_step = "apology"


class ReassuranceForm(MessageForm):
    step = "reassure"
    canned_step = "reassurance"
    cause = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label=_("What caused it")
    )
    corrective_action = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        label=_("What was done so it will not happen again"),
    )
    improvement = forms.ModelChoiceField(
        queryset=Improvement.objects.exclude(status=Improvement.Status.DECLINED),
        required=False,
        label=_("Linked improvement (the “we did” record)"),
    )
    new_improvement_title = forms.CharField(
        max_length=200, required=False, label=_("…or propose a new improvement")
    )

    field_order = [
        "cause",
        "corrective_action",
        "improvement",
        "new_improvement_title",
        "template",
        "subject",
        "body",
    ]


class RestitutionForm(MessageForm):
    step = "offer_restitution"
    canned_step = "restitution"
    kind = forms.ChoiceField(label=_("Kind"), choices=Restitution.Kind.choices)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=10, decimal_places=2, required=False, min_value=0
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    item = forms.CharField(
        label=_("Item"),
        max_length=200,
        required=False,
        help_text=_("For a replacement or gift: what."),
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    field_order = ["kind", "amount", "currency", "item", "note", "template", "subject", "body"]

    def __init__(self, *args, limits=None, **kwargs):
        super().__init__(*args, **kwargs)
        limits = list(ApprovalLimit.objects.all()) if limits is None else limits
        currencies = [limit.currency for limit in limits]
        self.fields["currency"].choices = [("", "—"), *[(c, c) for c in currencies]]
        if settings.SHOP_CURRENCY in currencies:
            self.fields["currency"].initial = settings.SHOP_CURRENCY
        self.limits = limits


class ResolveForm(StepForm):
    step = "resolve"
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    no_restitution_reason = forms.CharField(
        max_length=500, required=False, label=_("If nothing was given: why none is due")
    )


class FollowUpNowForm(StepForm):
    step = "send-follow-up"


class CloseForm(StepForm):
    step = "close"
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        help_text=_("Required before resolution."),
    )


class ReopenForm(StepForm):
    step = "reopen"
    reason = forms.CharField(label=_("Reason"), max_length=500)


class SkipForm(StepForm):
    step = forms.ChoiceField(
        label=_("Step"), choices=[(s, s.replace("_", " ").capitalize()) for s in SKIPPABLE]
    )
    reason = forms.CharField(max_length=500, label=_("Why (recorded)"))


class DecisionForm(forms.Form):
    restitution = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class WithdrawForm(forms.Form):
    restitution = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=500, required=False, label=_("Why it is withdrawn"))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=people(),
        required=False,
        empty_label=_("Nobody"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("No team"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people()


class ReplyForm(forms.Form):
    """A free message to the customer at any point, with files if needed. Its fields carry a
    prefix: the page also shows a step's subject and message."""

    prefix = "reply"

    subject = forms.CharField(
        label=_("Subject"),
        max_length=300,
        required=False,
        help_text=_("Blank: “About your case C-...”."),
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
        label=_("Reply to the customer"),
    )
    files = FilesField(label=_("Attach files (photos or PDF)"))


class CaseReplyForm(forms.Form):
    """What the customer writes on their case page; the submission id makes a double tap one
    message."""

    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
        required=False,
        label=_("Your message"),
    )
    files = FilesField(label=_("Add photos (or a PDF)"))
    submission = forms.UUIDField(widget=forms.HiddenInput)


class NoteForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, label=_("Internal note")
    )


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign_me", _("Assign to me")),
        ("assign", _("Assign to…")),
        ("close", _("Close with reason")),
    ]

    tickets = forms.TypedMultipleChoiceField(label=_("Tickets"), coerce=int, choices=())
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=people(), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, ticket_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].choices = [(pk, pk) for pk in ticket_ids]
        self.fields["assignee"].queryset = people()

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose who gets them."))
        if data.get("action") == "close" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Closing needs a reason."))
        return data


class TicketCreateForm(forms.Form):
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    subject = forms.CharField(max_length=200, label=_("What went wrong"))
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[(1, _("Low")), (2, _("Normal")), (3, _("High")), (4, _("Urgent"))],
        coerce=int,
        initial=2,
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )


class CannedMessageForm(TranslationsFormMixin, forms.ModelForm):
    """A canned message, in English and, beside it, in each other language we ship."""

    translated = CannedMessage.TRANSLATED

    class Meta:
        model = CannedMessage
        fields = ["name", "step", "topic", "subject", "body", "active"]
        labels = {
            "name": _("Name"),
            "step": _("Step"),
            "topic": _("Topic"),
            "subject": _("Subject"),
            "body": _("Body"),
            "active": _("Active"),
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translation_fields()

    def save(self, commit=True):
        self.instance.translations = self.cleaned_translations()
        return super().save(commit=commit)


class ApprovalLimitForm(forms.ModelForm):
    class Meta:
        model = ApprovalLimit
        fields = ["currency", "agent_limit", "customer_limit"]
        labels = {
            "currency": _("Currency"),
            "agent_limit": _("Agent limit"),
            "customer_limit": _("Customer limit"),
        }

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError(_("A currency is a three-letter code such as GBP."))
        return currency


class ImprovementForm(TranslationsFormMixin, forms.ModelForm):
    """An improvement; its title and text for customers also in each other language, beside
    the English."""

    translated = Improvement.TRANSLATED

    class Meta:
        model = Improvement
        fields = [
            "title",
            "customer_text",
            "description",
            "owner",
            "topics",
            "status",
            "planned_for",
        ]
        labels = {
            "title": _("Title"),
            "customer_text": _("Customer text"),
            "description": _("Description"),
            "owner": _("Owner"),
            "topics": _("Topics"),
            "status": _("Status"),
            "planned_for": _("Planned for"),
        }
        widgets = {
            "customer_text": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "planned_for": forms.DateInput(attrs={"type": "date"}),
            "topics": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()
        self.add_translation_fields()
        self.fields["status"].choices = [
            (value, label)
            for value, label in Improvement.Status.choices
            if value not in ("shipped", "declined")
        ]


class LinkForm(forms.Form):
    """Link by numbers (comma-separated) and/or by a topic filter."""

    tickets = forms.CharField(
        label=_("Tickets"), required=False, help_text=_("Ticket numbers, comma-separated.")
    )
    complaints = forms.CharField(label=_("Complaints"), required=False)
    responses = forms.CharField(label=_("Responses"), required=False)
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.filter(active=True), required=False
    )
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=3650, initial=90)
    sentiment = forms.ChoiceField(
        label=_("Sentiment"),
        choices=[("negative", _("Negative only")), ("", _("Any sentiment"))],
        required=False,
        initial="negative",
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def _numbers(self, name):
        raw = self.cleaned_data.get(name) or ""
        parts = [p for p in raw.replace(";", ",").split(",") if p.strip()]
        numbers = whole_numbers(parts)
        if len(numbers) != len(parts):
            raise forms.ValidationError(_("Numbers only, separated by commas."))
        return numbers

    def clean_tickets(self):
        return self._numbers("tickets")

    def clean_complaints(self):
        return self._numbers("complaints")

    def clean_responses(self):
        return self._numbers("responses")


class ShipForm(forms.Form):
    customer_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        label=_("What changed, as customers will read it"),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label=_("Why not")
    )
    tell_customers = forms.BooleanField(
        required=False, label=_("Tell the customers who asked why not")
    )


class StandardForm(forms.ModelForm):
    class Meta:
        model = ExperienceStandard
        fields = ["promise", "measure", "target", "position", "active"]
        labels = {
            "promise": _("Promise"),
            "measure": _("Measure"),
            "target": _("Target"),
            "position": _("Position"),
            "active": _("Active"),
        }


class MysteryVisitForm(forms.ModelForm):
    """A visit, and for each active standard how it scored (left blank: not tested) with a
    note."""

    class Meta:
        model = MysteryVisit
        fields = ["visited_on", "channel", "shopper", "summary"]
        labels = {
            "visited_on": _("Visited on"),
            "channel": _("Channel"),
            "shopper": _("Shopper"),
            "summary": _("Summary"),
        }
        widgets = {"visited_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}

    def __init__(self, *args, standards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.standards = list(standards)
        for standard in self.standards:
            self.fields[f"result_{standard.pk}"] = forms.TypedChoiceField(
                label=standard.promise,
                choices=[("", _("Not tested")), *MysteryScore.Result.choices],
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.fields[f"note_{standard.pk}"] = forms.CharField(
                label=f"Note on “{standard.promise}”", max_length=500, required=False
            )

    def visit_fields(self):
        return [self[name] for name in self.Meta.fields]

    def score_fields(self):
        return [(self[f"result_{s.pk}"], self[f"note_{s.pk}"]) for s in self.standards]

    def clean_visited_on(self):
        return report_date(self.cleaned_data.get("visited_on"))

    def clean(self):
        data = super().clean()
        if not self.scores():
            raise forms.ValidationError(_("Score the visit on at least one standard."))
        return data

    def scores(self) -> list[tuple[ExperienceStandard, int, str]]:
        data = getattr(self, "cleaned_data", {})
        return [
            (s, data[f"result_{s.pk}"], data.get(f"note_{s.pk}", ""))
            for s in self.standards
            if data.get(f"result_{s.pk}") is not None
        ]
