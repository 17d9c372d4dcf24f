"""What happened to a customer (events), the invitations it schedules, and answers accepted from
the invitation form before the store task turns them into a response."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.merge_rules import MOVE
from feedback_app.customers.models import Channel, ContactChannel, Customer, Message
from surveys.models.base import new_short_code, new_token
from surveys.models.surveys import Survey, TriggerRule


class Event(models.Model):
    """Something that happened to a customer that may call for a survey (order.delivered...)."""

    event_type = models.CharField(max_length=60, db_index=True)
    CUSTOMER_MERGE = MOVE
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
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        SUPPRESSED = "suppressed", _("Suppressed")
        FAILED = "failed", _("Failed")
        ANSWERED = "answered", _("Answered")
        CANCELLED = "cancelled", _("Cancelled")

    CUSTOMER_MERGE = MOVE
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
    # The short link's code for texts (/t/<code>/); invitations made before it have none.
    short_code = models.CharField(
        max_length=12, unique=True, null=True, blank=True, default=new_short_code, editable=False
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    reason = models.CharField(
        max_length=500, blank=True, help_text=_("Why it was suppressed or failed.")
    )
    scheduled_for = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # The funnel (surveys/funnel.py), from the answer page's script, so link scanners count for
    # nothing: when the page was first seen in a browser, when the customer first answered
    # something on it, and how many questions in they got.
    opened_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    reached = models.PositiveSmallIntegerField(null=True, blank=True)
    # The arm of its rule's A/B split ("A" or "B"; blank: no split).
    variant = models.CharField(max_length=1, blank=True)
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
    background store (`surveys.services.received.received_store`) to turn them into a response.

    The form post writes only this row, so a burst of answers is taken in at the speed of one
    insert; the row is deleted in the transaction that stores the response. One per invitation:
    the database refuses a second, so a double tap keeps the first answers.
    """

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="received", primary_key=True
    )
    answers = models.JSONField(help_text=_("Question id → the value the form gave."))
    received_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # Saved by the survey page a moment after a one-click link opened it (surveys/quick_answer.py):
    # only that answer, held until `hold_until` so the customer's Send can replace it with all
    # their answers; stored as it is once the hold passes.
    partial = models.BooleanField(default=False)
    hold_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "received answers"
        ordering = ["received_at"]
        indexes = [
            # The store takes the oldest waiting 200 at a time: read in this order, not sorted
            # out of every row (a scan and sort of 90,000 rows in a backlog, each batch).
            models.Index(fields=["received_at"], condition=Q(attempts=0), name="received_waiting")
        ]

    def __str__(self) -> str:
        return f"Answers to invitation #{self.pk}, received {self.received_at:%Y-%m-%d %H:%M:%S}"
