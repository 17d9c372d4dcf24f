"""Forms of the surveys app: the customer's answer form, and the staff builder forms."""

import json
from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from feedback_app.core.errors import DomainError
from feedback_app.core.forms import FilesField
from feedback_app.core.numbers import whole_number
from feedback_app.customers.identities import normalize_phone
from feedback_app.customers.models import Channel
from surveys.logic import ENDS as SCALE_ENDS
from surveys.logic import client_condition, describe
from surveys.models import Question, Sentiment, Severity, Survey, Topic, TriggerRule
from surveys.services.building import SURVEY_FIELDS


class AnswerForm(forms.Form):
    """One field per question, named q<id>. Fields only parse; `answers_clean` in the
    responses service decides what is valid, so every channel gets the same rules."""

    def __init__(self, *args, survey: Survey, questions=None, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.questions = list(questions if questions is not None else survey.questions.all())
        for question in self.questions:
            self.fields[f"q{question.pk}"] = self._field(question)
        if public:
            self.fields["email"] = forms.EmailField(
                required=False,
                max_length=320,
                label=_("Your e-mail address, if you would like a reply (optional)"),
            )
            self.fields["submission"] = forms.UUIDField(widget=forms.HiddenInput)

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common = {"label": question.prompt, "help_text": question.help_text, "required": False}
        if question.is_rating:
            low, high = question.scale
            return forms.ChoiceField(
                choices=[(str(n), str(n)) for n in range(low, high + 1)],
                widget=forms.RadioSelect,
                **common,
            )
        # Each option's value as written in the survey's language, shown as the page shows it
        # (surveys/languages.py).
        options = list(zip(question.choices, question.shown_choices, strict=True))
        if question.kind == Question.Kind.SINGLE:
            return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
        if question.kind == Question.Kind.MULTIPLE:
            return forms.MultipleChoiceField(
                choices=options,
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4, "maxlength": Question.MAX_TEXT}),
            max_length=Question.MAX_TEXT,
            **common,
        )

    def rows(self):
        """(question, bound field, scale ends, condition) for the template, in survey order; the
        condition (None for most) has its words and what the page's script reads."""
        rows = []
        for q in self.questions:
            rule = client_condition(q, self.questions) if q.show_if else None
            if rule is not None:
                rule = {"words": describe(q, self.questions), "json": json.dumps(rule)}
            rows.append((q, self[f"q{q.pk}"], SCALE_ENDS.get(q.kind), rule))
        return rows

    def answers(self) -> dict[int, object]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def add_answer_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            field = f"q{key}" if f"q{key}" in self.fields else None
            self.add_error(field, message)


class SurveyForm(forms.ModelForm):
    review_url = forms.URLField(
        assume_scheme="https",
        max_length=500,
        required=False,
        label=_("Public review link for happy customers (optional)"),
        help_text=Survey._meta.get_field("review_url").help_text,
    )

    class Meta:
        model = Survey
        fields = list(SURVEY_FIELDS)
        labels = {
            "name": _("Name"),
            "purpose": _("Purpose"),
            "language": _("Language"),
            "intro": _("Intro"),
            "thank_you": _("Thank-you"),
            "thank_you_detractor": _("Thank-you after a low score (optional)"),
            "thank_you_passive": _("Thank-you after a middling score (optional)"),
            "thank_you_promoter": _("Thank-you after a high score (optional)"),
            "public_link_enabled": _("Public link enabled"),
            "one_at_a_time": _("One question at a time on a phone"),
        }
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3}),
            "thank_you": forms.Textarea(attrs={"rows": 2}),
            "thank_you_detractor": forms.Textarea(attrs={"rows": 2}),
            "thank_you_passive": forms.Textarea(attrs={"rows": 2}),
            "thank_you_promoter": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].required = False  # left out: as it was (English when new)
        self.fields[
            "language"
        ].help_text = "The language it is written in. Add other languages on its Languages page."
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save survey")))

    def clean_language(self):
        return self.cleaned_data.get("language") or self.instance.language or settings.LANGUAGE_CODE


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    prompt = forms.CharField(label=_("Prompt"), max_length=300)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Choices"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("For choice questions: one option per line."),
    )

    # Show only if (surveys/logic.py): an earlier rating or choice question, and a range of
    # its scores or some of its options.
    show_if_question = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("Show this question")
    )
    show_if_min = forms.IntegerField(required=False, label=_("when the score is at least"))
    show_if_max = forms.IntegerField(required=False, label=_("and at most"))
    show_if_options = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("or when one of these options is chosen"),
        help_text=_("One option per line, as written in that question (or its number, from 1)."),
    )

    def __init__(self, *args, submit_label=None, earlier=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.earlier = [q for q in earlier if q.is_rating or q.kind in Question.CHOICE_KINDS]
        self.fields["show_if_question"].choices = [
            ("", _("Always")),
            *(
                (q.pk, _("Only after an answer to “%(question)s”") % {"question": q.prompt})
                for q in self.earlier
            ),
        ]
        self.helper = FormHelper()
        self.helper.add_input(Submit("save_question", submit_label or _("Add question")))

    @staticmethod
    def initial_condition(question: Question) -> dict:
        """The show-if fields of an existing question, for its edit form."""
        show_if = question.show_if or {}
        if not show_if:
            return {}
        if "any_of" in show_if:
            source = Question.objects.filter(pk=show_if["question"]).first()
            names = source.choices if source else []
            options = "\n".join(names[n - 1] for n in show_if["any_of"] if n <= len(names))
            return {"show_if_question": show_if["question"], "show_if_options": options}
        return {
            "show_if_question": show_if["question"],
            "show_if_min": show_if.get("min"),
            "show_if_max": show_if.get("max"),
        }

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]

    def clean(self):
        """The four show-if fields become one `show_if` (None: always shown); the service
        checks it against the survey."""
        data = super().clean()
        pk = data.pop("show_if_question", None)
        low, high = data.pop("show_if_min", None), data.pop("show_if_max", None)
        lines = [line.strip() for line in data.pop("show_if_options", "").splitlines()]
        lines = [line for line in lines if line]
        data["show_if"] = None
        source = next((q for q in self.earlier if q.pk == pk), None)
        if source is None:
            return data
        if source.is_rating:
            bounds = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
            if not bounds:
                self.add_error("show_if_min", _("Give the lowest score, the highest, or both."))
            data["show_if"] = {"question": pk, **bounds}
            return data
        numbers = []
        names = [c.casefold() for c in source.choices]
        for line in lines:
            if (number := whole_number(line, max_digits=3)) is not None:
                numbers.append(number)
            elif line.casefold() in names:
                numbers.append(names.index(line.casefold()) + 1)
            else:
                self.add_error("show_if_options", f"\u201c{line}\u201d is not one of its options.")
        if not lines:
            self.add_error("show_if_options", _("Write at least one of its options."))
        data["show_if"] = {"question": pk, "any_of": numbers}
        return data


class TriggerRuleForm(forms.ModelForm):
    delay_days = forms.IntegerField(
        min_value=0, max_value=365, initial=1, label=_("Days after the event")
    )
    delay_hours = forms.IntegerField(min_value=0, max_value=23, initial=0, label=_("and hours"))
    # An A/B split (surveys/funnel.py): B's delay and/or subject line.
    b_delay_days = forms.IntegerField(
        min_value=0, max_value=365, required=False, label=_("A/B split: B's days after the event")
    )
    b_delay_hours = forms.IntegerField(
        min_value=0, max_value=23, required=False, label=_("and hours (blank: the same as A)")
    )

    class Meta:
        model = TriggerRule
        fields = [
            "event_type",
            "survey",
            "subject",
            "b_subject",
            "send_from",
            "send_until",
            "active",
        ]
        labels = {
            "event_type": _("Event type"),
            "survey": _("Survey"),
            "subject": _("Subject line"),
            "b_subject": _("A/B split: B's subject line"),
            "send_from": _("Send hours: from"),
            "send_until": _("until"),
            "active": _("Active"),
        }
        widgets = {
            "send_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "send_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = Survey.objects.exclude(status=Survey.Status.CLOSED)
        rule = self.instance
        if rule.pk:
            self.fields["delay_days"].initial = rule.delay.days
            self.fields["delay_hours"].initial = rule.delay.seconds // 3600
            if rule.b_delay is not None:
                self.fields["b_delay_days"].initial = rule.b_delay.days
                self.fields["b_delay_hours"].initial = rule.b_delay.seconds // 3600
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save rule")))

    def delay(self) -> timedelta:
        return timedelta(
            days=self.cleaned_data["delay_days"], hours=self.cleaned_data["delay_hours"]
        )

    def b_delay(self) -> timedelta | None:
        days, hours = self.cleaned_data.get("b_delay_days"), self.cleaned_data.get("b_delay_hours")
        if days is None and hours is None:
            return None
        return timedelta(days=days or 0, hours=hours or 0)


class ImportForm(forms.Form):
    KINDS = [
        ("responses", _("Survey responses")),
        ("events", _("Events (order.delivered, store.visit...)")),
    ]

    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS)
    survey = forms.ModelChoiceField(
        label=_("Survey"),
        queryset=Survey.objects.filter(status=Survey.Status.LIVE),
        required=False,
        help_text=_("For responses: the survey the answers belong to."),
    )
    file = forms.FileField(label=_("File"), help_text=_("CSV with a header row, UTF-8."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Import")))

    def clean(self):
        data = super().clean()
        if data.get("kind") == "responses" and not data.get("survey"):
            self.add_error("survey", _("Choose the survey these responses belong to."))
        return data


class ComplaintForm(forms.Form):
    """The public complaint form: who you are, how to reach you, what happened."""

    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=320,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("An e-mail address or a phone number, so we can reply."),
    )
    reference = forms.CharField(
        label=_("Order or reference number (if you have one)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    text = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
        help_text=_("Tell us in your own words; we read every one."),
    )
    files = FilesField(
        label=_("Photos (if they help)"),
        help_text=_("Photos (JPEG, PNG, HEIC) or a PDF. Only our customer care team sees them."),
    )
    submission = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone:
            try:
                normalize_phone(phone)
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from None
        return phone

    def clean(self):
        data = super().clean()
        if "email" in self.errors or "phone" in self.errors:
            return data  # one of them is wrong as written: that error says it
        if not data.get("email") and not (data.get("phone") or "").strip():
            # Said once, under the e-mail field; the phone field is marked as part of it.
            self.add_error(
                "email", _("Give us an e-mail address or a phone number so we can reply.")
            )
            self.fields["phone"].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": "error_1_id_email"}
            )
        return data


class FeedbackFilterForm(forms.Form):
    """Filters of the recent-feedback list; every field optional."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("", _("Everything")),
            ("response", _("Survey responses")),
            ("complaint", _("Complaints")),
        ],
        required=False,
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), choices=[("", _("Any sentiment")), *Sentiment.choices], required=False
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        choices=[("", _("Any severity")), *Severity.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.filter(active=True),
        required=False,
        empty_label=_("Any topic"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any channel")), *Channel.choices], required=False
    )
    since = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> dict:
        return (
            {key: value for key, value in self.cleaned_data.items() if value}
            if self.is_valid()
            else {}
        )
