"""Surveys, the events that trigger them, invitations, and the answers customers give.

Complaints and triage results join these in the triage work; everything here points at the
shared Customer profile and writes to its timeline through the customer layer's services.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.models import Channel, ContactChannel, Customer, Message


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class Severity(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class Topic(models.Model):
    """A theme of feedback (delivery, billing...), found by its keywords. Managed in the admin."""

    name = models.CharField(max_length=60, unique=True)
    keywords = models.TextField(help_text="Words and phrases that mean this topic, one per line.")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return [
            line.strip() for line in self.keywords.replace(",", "\n").splitlines() if line.strip()
        ]


class Triaged(models.Model):
    """What triage found in an item. Empty until the triage task has run."""

    sentiment = models.CharField(
        max_length=10, choices=Sentiment.choices, blank=True, db_index=True
    )
    polarity = models.FloatField(null=True, blank=True)
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices, null=True, blank=True, db_index=True
    )
    reasons = models.JSONField(default=list, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="%(class)ss")

    class Meta:
        abstract = True

    feedback_kind = ""

    @property
    def is_failure(self) -> bool:
        """Needs recovery: negative, or a complaint above the lowest severity (see failure_q)."""
        if self.sentiment == Sentiment.NEGATIVE:
            return True
        return self.feedback_kind == "complaint" and (self.severity or 0) > Severity.LOW

    @classmethod
    def failure_q(cls) -> Q:
        """is_failure as a query filter."""
        q = Q(sentiment=Sentiment.NEGATIVE)
        return q | Q(severity__gt=Severity.LOW) if cls.feedback_kind == "complaint" else q


SEGMENT_FIELDS = ("region", "age_band", "value_tier")


class SegmentColumns(models.Model):
    """A customer's region, age band and value tier, as columns (see SEGMENT_FIELDS)."""

    region = models.CharField(max_length=100, blank=True)
    age_band = models.CharField(max_length=10, blank=True)
    value_tier = models.CharField(max_length=10, blank=True)

    class Meta:
        abstract = True


class Segmented(SegmentColumns):
    """The customer's segments when the item arrived. Reports count the item there for good, so a
    profile edited later, or merged into another, does not rewrite past figures."""

    class Meta:
        abstract = True

    def take_segments(self, customer: Customer | None) -> None:
        for name in SEGMENT_FIELDS:
            setattr(self, name, getattr(customer, name, "") or "")


class Survey(models.Model):
    class Purpose(models.TextChoices):
        AFTER_DELIVERY = "after_delivery", "After delivery"
        AFTER_SUPPORT = "after_support", "After a support case"
        AFTER_VISIT = "after_visit", "After a store visit"
        RECOVERY_FOLLOW_UP = "recovery_follow_up", "Recovery follow-up (did we make it right?)"
        RELATIONSHIP = "relationship", "Relationship (how do you feel about us?)"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    intro = models.TextField(
        blank=True, help_text="Shown above the questions: who is asking and why. Plain text."
    )
    thank_you = models.TextField(blank=True, default="Thank you for telling us.")
    public_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    public_link_enabled = models.BooleanField(
        default=False,
        help_text="Accept answers without an invitation (kiosks, receipts, QR codes).",
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
        NPS = "nps", "NPS (0-10: how likely to recommend)"
        CSAT = "csat", "CSAT (1-5: how satisfied)"
        CES = "ces", "CES (1-7: how easy)"
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        TEXT = "text", "Free text"

    # (lowest, highest) of each rating scale.
    SCALES = {Kind.NPS: (0, 10), Kind.CSAT: (1, 5), Kind.CES: (1, 7)}
    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    MAX_TEXT = 10_000

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    prompt = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    choices = models.JSONField(default=list, blank=True, help_text="Options of a choice question.")

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["survey", "position"])]

    def __str__(self) -> str:
        return self.prompt

    @property
    def scale(self) -> tuple[int, int] | None:
        return self.SCALES.get(self.kind)

    @property
    def is_rating(self) -> bool:
        return self.kind in self.SCALES


class TriggerRule(models.Model):
    """Which event sends which survey, after how long, on which channel."""

    event_type = models.CharField(
        max_length=60, db_index=True, help_text="For example order.delivered."
    )
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="trigger_rules")
    delay = models.DurationField(help_text="Time after the event before the invitation goes out.")
    channel = models.CharField(
        max_length=10, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event_type", "id"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.survey}"


class Event(models.Model):
    """Something that happened to a customer that may call for a survey (order.delivered...)."""

    event_type = models.CharField(max_length=60, db_index=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="events")
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.API)
    # The sender's own id for the event, scoped to the login that sent it
    # (surveys.services.intake.client_key): sending it again is recognised and changes nothing.
    external_id = models.CharField(max_length=120, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # The login that sent it (an API client, a manager): an integration reads back only its own.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_type", "external_id"],
                condition=~Q(external_id=""),
                name="event_external_id_once",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"

    @property
    def label(self) -> str:
        """The event type in words: "order.delivered" is "order delivered"."""
        return self.event_type.replace("_", " ").replace(".", " ")

    @property
    def reference(self) -> str:
        """The order or case the event is about, as the sender named it."""
        data = self.data if isinstance(self.data, dict) else {}
        for key in ("order", "order_number", "reference", "case"):
            if data.get(key):
                return str(data[key])[:100]
        return ""


class Invitation(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENT = "sent", "Sent"
        SUPPRESSED = "suppressed", "Suppressed"
        FAILED = "failed", "Failed"
        ANSWERED = "answered", "Answered"
        CANCELLED = "cancelled", "Cancelled"

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invitations")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    rule = models.ForeignKey(
        TriggerRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    channel = models.CharField(
        max_length=10, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    # Invitations we start are solicitations; a follow-up on the customer's own case is a reply.
    message_kind = models.CharField(
        max_length=20, choices=Message.Kind.choices, default=Message.Kind.SOLICITATION
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    reason = models.CharField(
        max_length=500, blank=True, help_text="Why it was suppressed or failed."
    )
    scheduled_for = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # A key the caller chooses so the same request never invites twice (e.g. "ticket:12").
    dedupe_key = models.CharField(max_length=150, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        indexes = [
            models.Index(fields=["status", "scheduled_for"], name="invitation_due"),
            models.Index(fields=["status", "sent_at"], name="invitation_reminder_due"),
            models.Index(fields=["survey", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("survey-answer", args=[self.token])

    @property
    def thread(self) -> str:
        return f"surveys.invitation:{self.pk}"

    @property
    def answer_received(self) -> bool:
        """Answered, or the customer's answers are accepted and about to be stored."""
        if self.status == self.Status.ANSWERED:
            return True
        try:
            return self.received is not None
        except ReceivedAnswers.DoesNotExist:
            return False


class ReceivedAnswers(models.Model):
    """A customer's answers from the invitation form: checked and accepted, waiting for the
    background store (`surveys.services.responses.received_store`) to turn them into a response.

    The form post writes only this row, so a burst of answers is taken in at the speed of one
    insert; the row is deleted in the transaction that stores the response. One per invitation:
    the database refuses a second, so a double tap keeps the first answers.
    """

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="received", primary_key=True
    )
    answers = models.JSONField(help_text="Question id → the value the form gave.")
    received_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "received answers"
        ordering = ["received_at"]

    def __str__(self) -> str:
        return f"Answers to invitation #{self.pk}, received {self.received_at:%Y-%m-%d %H:%M:%S}"


class Response(Segmented, Triaged):
    """One filled-in survey. Answers are its rows; triage fills in the fields of Triaged."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    # One answer per invitation: the database refuses a second.
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.PROTECT, related_name="response"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    submitted_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # Set by API clients and importers (and the public form) so a retried submit is recognised.
    # Scoped to the login that sent it (surveys.services.intake.client_key).
    idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    # The login that sent it (an API client, a manager): an integration reads back only its own.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_reference = models.CharField(
        max_length=200, blank=True, help_text="Store, import file and row..."
    )
    # A copy of the response's NPS answer (0-10; its first NPS question if it has two), set when
    # it is stored: a customer's score before and after a ticket, an invitation or a notice is
    # then one seek in the index below instead of a join of answers and questions.
    nps = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["survey", "-submitted_at"]),
            models.Index(fields=["customer", "-submitted_at"]),
            models.Index(
                fields=["customer", "submitted_at", "nps"],
                condition=Q(nps__isnull=False),
                name="response_nps",
            ),
            # The triage sweep looks for the few that wait; only they are in this index.
            models.Index(
                fields=["received_at"],
                condition=Q(triaged_at__isnull=True),
                name="response_untriaged",
            ),
        ]

    feedback_kind = "response"

    def __str__(self) -> str:
        return f"Response #{self.pk} to {self.survey}"

    def get_absolute_url(self) -> str:
        return reverse("surveys:response", args=[self.pk])

    @property
    def happened_at(self):
        return self.submitted_at


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="one_answer_per_question"
            ),
        ]
        indexes = [models.Index(fields=["question", "number"])]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        if self.number is not None:
            return str(self.number)
        if self.choices:
            return ", ".join(self.choices)
        return self.text


class ImportJob(models.Model):
    """One CSV file of responses or events from a shop or call centre, imported row by row.

    Good rows are kept even when others are rejected; every rejected row is recorded with its
    number and the reason (`ImportRejection`).
    """

    class Kind(models.TextChoices):
        RESPONSES = "responses", "Survey responses"
        EVENTS = "events", "Events"
        COMPLAINTS = "complaints", "Complaints"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.PROTECT, related_name="imports"
    )
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    filename = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    accepted_rows = models.PositiveIntegerField(default=0)
    duplicate_rows = models.PositiveIntegerField(default=0, help_text="Already imported before.")
    rejected_rows = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, help_text="Why the whole file failed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the last chunk was stored: a running job that stops advancing is marked failed.
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.filename}"

    def get_absolute_url(self) -> str:
        return reverse("surveys:import", args=[self.pk])

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportRejection(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row = models.PositiveIntegerField(help_text="Line number in the file; the header is line 1.")
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["row"]
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class Complaint(Segmented, Triaged):
    """A customer telling us something went wrong: by web form, e-mail, API or file import."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="complaints")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reference = models.CharField(
        max_length=100, blank=True, help_text="Order or case number, if given."
    )
    subject = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    contact_name = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(db_index=True)
    # A retry with the same key (an e-mail's Message-ID, an API client's key) is the same complaint.
    idempotency_key = models.CharField(max_length=320, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The login that sent it (an API client, a manager): an integration reads back only its own.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    MAX_TEXT = 1_000_000

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-received_at"]),
            models.Index(
                fields=["created_at"],
                condition=Q(triaged_at__isnull=True),
                name="complaint_untriaged",
            ),
        ]

    feedback_kind = "complaint"

    def __str__(self) -> str:
        return f"Complaint #{self.pk}" + (f" ({self.reference})" if self.reference else "")

    def get_absolute_url(self) -> str:
        return reverse("surveys:complaint", args=[self.pk])

    @property
    def happened_at(self):
        return self.received_at


class FeedbackDay(SegmentColumns):
    """One day's feedback added up, for the dashboards: counts and sums only, all additive.

    Each response or complaint is counted once in every *grain*: a set of at most two breakdowns
    out of survey, region, age band and value tier (a survey and one segment, or two segments),
    with the breakdowns outside the grain left blank. Day and channel are in every row. So any
    dashboard table with any one segment filter reads one grain's rows: a few per day, however
    many answers there are. Kept by surveys.services.rollups on submit and triage; rebuilt by
    `manage.py rebuild_rollups`.
    """

    day = models.DateField(help_text="Local date the item arrived.")
    channel = models.CharField(max_length=10)
    grain = models.CharField(max_length=40)
    survey_key = models.PositiveIntegerField(default=0, help_text="Survey id in survey grains.")
    # region, age_band, value_tier: blank outside the grain.
    # Every item once it arrives; sentiment and failures once triage has read it.
    items = models.IntegerField(default=0)
    responses = models.IntegerField(default=0)
    negative = models.IntegerField(default=0)
    neutral = models.IntegerField(default=0)
    positive = models.IntegerField(default=0)
    failures = models.IntegerField(default=0)
    # The score aggregates of surveys.selectors.SCORE_AGGREGATES.
    nps_n = models.IntegerField(default=0)
    promoters = models.IntegerField(default=0)
    detractors = models.IntegerField(default=0)
    csat_n = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    ces_n = models.IntegerField(default=0)
    ces_sum = models.IntegerField(default=0)

    KEY = ("day", "channel", "grain", "survey_key", *SEGMENT_FIELDS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "grain", "survey_key", *SEGMENT_FIELDS],
                name="one_feedback_day_per_key",
            )
        ]
        indexes = [models.Index(fields=["grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.grain or 'all'}"


class TopicDay(SegmentColumns):
    """Mentions of a topic in one day's feedback, by channel and at most one segment (the grain)."""

    day = models.DateField()
    channel = models.CharField(max_length=10)
    grain = models.CharField(max_length=40)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="days")
    mentions = models.IntegerField(default=0)

    KEY = ("day", "channel", "grain", *SEGMENT_FIELDS, "topic_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "grain", *SEGMENT_FIELDS, "topic"],
                name="one_topic_day_per_key",
            )
        ]
        indexes = [models.Index(fields=["grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.topic_id}: {self.mentions}"


class SetAsideMail(models.Model):
    """An e-mail the intake could not store as a complaint, kept whole with the reason so staff
    can read it and try again (the admin's *Set-aside e-mails*). One row per message, however
    often the mailbox is read."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    source = models.CharField(max_length=500, help_text="The mailbox and the message's key in it.")
    raw = models.BinaryField(editable=False)
    reason = models.CharField(max_length=500)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    last_tried_at = models.DateTimeField(default=timezone.now)
    stored_as = models.ForeignKey(
        "Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    MAX_RAW = 10 * 1024 * 1024

    class Meta:
        ordering = ["-last_tried_at", "-id"]
        verbose_name = "set-aside e-mail"

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"
