"""Surveys, their questions, and the trigger rules that decide when one is asked."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.languages import language_choices
from feedback_app.customers.models import ContactChannel
from surveys.models.base import new_token
from surveys.triage import scores


class Survey(models.Model):
    class Purpose(models.TextChoices):
        AFTER_DELIVERY = "after_delivery", _("After delivery")
        AFTER_SUPPORT = "after_support", _("After a support case")
        AFTER_VISIT = "after_visit", _("After a store visit")
        RECOVERY_FOLLOW_UP = "recovery_follow_up", _("Recovery follow-up (did we make it right?)")
        RELATIONSHIP = "relationship", _("Relationship (how do you feel about us?)")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    intro = models.TextField(
        blank=True, help_text=_("Shown above the questions: who is asking and why. Plain text.")
    )
    thank_you = models.TextField(blank=True, default="Thank you for telling us.")
    # The language it is written in, and its texts in others ({code: {field: text}}, with its
    # questions' own): customers whose language it has whole get it in theirs, the others get
    # it in this one (surveys/languages.py).
    language = models.CharField(max_length=10, default="en", choices=language_choices)
    translations = models.JSONField(default=dict, blank=True)
    # Endings by the headline score (surveys/logic.py); blank: the thank-you above.
    thank_you_detractor = models.TextField(
        blank=True,
        help_text=_(
            "After a low score (NPS 0-6, CSAT 1-2, CES 1-3). When the answer opens a "
            "case, the page also says someone will be in touch."
        ),
    )
    thank_you_passive = models.TextField(
        blank=True, help_text=_("After a middling score (NPS 7-8, CSAT 3, CES 4).")
    )
    thank_you_promoter = models.TextField(
        blank=True, help_text=_("After a high score (NPS 9-10, CSAT 4-5, CES 5-7).")
    )
    review_url = models.URLField(
        blank=True,
        max_length=500,
        help_text=_("Promoters are invited to leave a public review here (optional)."),
    )
    public_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    public_link_enabled = models.BooleanField(
        default=False,
        help_text=_("Accept answers without an invitation (kiosks, receipts, QR codes)."),
    )
    one_at_a_time = models.BooleanField(
        default=False,
        help_text=_(
            "On a phone, one question per screen with progress and Back (a page without "
            "JavaScript still shows them all)."
        ),
    )
    # Set when a survey is copied to change questions that already have answers.
    previous_version = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_versions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("surveys:detail", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE


class Question(models.Model):
    class Kind(models.TextChoices):
        NPS = "nps", _("NPS (0-10: how likely to recommend; 0 not at all, 10 extremely)")
        CSAT = "csat", _("CSAT (1-5: how satisfied; 1 very dissatisfied, 5 very satisfied)")
        CES = "ces", _("CES (1-7: how easy; 1 very hard, 7 very easy)")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TEXT = "text", _("Free text")

    # (lowest, highest) of each rating scale; what the numbers mean is in surveys.triage.scores.
    SCALES = scores.SCALES
    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    MAX_TEXT = 10_000

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    prompt = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    choices = models.JSONField(
        default=list, blank=True, help_text=_("Options of a choice question.")
    )
    # Shown only when an earlier answer fits (surveys/logic.py); null: always shown.
    show_if = models.JSONField(null=True, blank=True)
    # Its prompt, help text and options in other languages (surveys/languages.py); answers
    # keep the options as written in the survey's own language.
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["survey", "position"])]

    def __str__(self) -> str:
        return self.prompt

    # A copy made to show the survey in another language carries its options as shown
    # (surveys/languages.py); a stored question shows its own.
    choice_labels: list[str] | None = None

    @property
    def shown_choices(self) -> list[str]:
        """The options as the page shows them, in their stored order."""
        return self.choices if self.choice_labels is None else self.choice_labels

    @property
    def scale(self) -> tuple[int, int] | None:
        return self.SCALES.get(self.kind)

    @property
    def is_rating(self) -> bool:
        return self.kind in self.SCALES


class TriggerRule(models.Model):
    """Which event sends which survey, after how long, on which channel."""

    event_type = models.CharField(
        max_length=60, db_index=True, help_text=_("For example order.delivered.")
    )
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="trigger_rules")
    delay = models.DurationField(
        help_text=_("Time after the event before the invitation goes out.")
    )
    channel = models.CharField(
        max_length=10, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    subject = models.CharField(
        max_length=150,
        blank=True,
        help_text=_(
            "The invitation's subject line; {first_name} and {reference} are filled in. "
            "Blank: “Ann, how did we do with A-1001?”."
        ),
    )
    # An A/B split (surveys/funnel.py): half the customers, chosen by customer, get B's delay
    # and/or subject; the survey's funnel compares the two once the difference is clear.
    b_delay = models.DurationField(
        null=True, blank=True, help_text=_("B: another delay (blank: the same as A).")
    )
    b_subject = models.CharField(
        max_length=150, blank=True, help_text=_("B: another subject line (blank: the same as A).")
    )
    # Send hours (local time): an invitation that comes due outside them waits for the next
    # opening; the funnel's completion by send hour is the evidence for choosing them.
    send_from = models.TimeField(
        null=True, blank=True, help_text=_("Send no earlier than this time of day (local).")
    )
    send_until = models.TimeField(
        null=True, blank=True, help_text=_("Send no later than this time of day (local).")
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event_type", "id"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.survey}"

    @property
    def is_split(self) -> bool:
        return self.b_delay is not None or bool(self.b_subject)
