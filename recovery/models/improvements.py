"""Closing the loop: improvements ("we did"), the feedback linked to them ("you said") and the
notice each customer who asked gets."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.core.translations import missing_languages
from feedback_app.customers.merge_rules import keep_one
from feedback_app.customers.models import Customer
from recovery.models.tickets import Ticket
from surveys.models import Complaint, Response, Topic


class Improvement(models.Model):
    """What we change because customers asked ("we did"), linked to what they said."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        SHIPPED = "shipped", _("Shipped")
        DECLINED = "declined", _("Declined")

    title = models.CharField(max_length=200)
    customer_text = models.TextField(
        blank=True, help_text=_("What changed, written for customers.")
    )
    description = models.TextField(blank=True, help_text=_("Internal notes."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvements",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="improvements")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    planned_for = models.DateField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.TextField(blank=True)
    # What customers read in the other languages, {code: {"title", "customer_text"}}
    # (feedback_app/core/translations.py); a decline's reason is written in English.
    translations = models.JSONField(default=dict, blank=True)
    TRANSLATED = ("title", "customer_text")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def missing_languages(self) -> list[str]:
        """The shipped languages its notice cannot be written in yet (for the manager)."""
        return missing_languages(self, self.TRANSLATED, settings.LANGUAGE_CODE)


class ImprovementLink(models.Model):
    """One "you said" behind an improvement: a ticket, a response or a complaint."""

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="improvement_links"
    )
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(ticket__isnull=False) & Q(response__isnull=True) & Q(complaint__isnull=True)
                )
                | (Q(ticket__isnull=True) & Q(response__isnull=False) & Q(complaint__isnull=True))
                | (Q(ticket__isnull=True) & Q(response__isnull=True) & Q(complaint__isnull=False)),
                name="improvement_link_is_one_thing",
            ),
            models.UniqueConstraint(
                fields=["improvement", "ticket"], name="improvement_ticket_once"
            ),
            models.UniqueConstraint(
                fields=["improvement", "response"], name="improvement_response_once"
            ),
            models.UniqueConstraint(
                fields=["improvement", "complaint"], name="improvement_complaint_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.improvement} ← {self.ticket or self.response or self.complaint}"


class ImprovementNotice(models.Model):
    """The "you said, we did" message to one customer about one improvement: at most one each,
    however many of their items are linked, with its delivery as the outbox recorded it.

    A notice the contact policy holds back for now (quiet period, open recovery hold) waits and
    is tried again when the policy will allow it, for IMPROVEMENT_NOTICE_WAIT_DAYS; then it
    expires with the reason. Only a delivered message counts as told."""

    class Kind(models.TextChoices):
        SHIPPED = "shipped", _("We did it")
        DECLINED = "declined", _("Why not")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting until our contact rules allow it")
        DECIDED = "decided", _("Handed to the outbox")
        EXPIRED = "expired", _("Expired: never allowed in time")

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="notices")
    # A customer told twice of one improvement is told once: of two profiles' notices the merge
    # keeps the one further along (merge_prefer).
    CUSTOMER_MERGE = keep_one("improvement")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="improvement_notices"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    message = models.ForeignKey(
        "customers.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quote = models.CharField(
        max_length=300, blank=True, help_text=_("The customer's own words, quoted.")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DECIDED, db_index=True
    )
    # Why it waits (or expired), and when to try again (none: as soon as no hold is open).
    reason = models.CharField(max_length=500, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["improvement", "customer"], name="one_notice_per_customer"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_try_at"],
                condition=Q(status="waiting"),
                name="notice_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.improvement} → {self.customer}"

    # How far along a notice is, for merge_prefer: handed to the outbox, waiting, expired.
    _ALONG = {Status.DECIDED: 2, Status.WAITING: 1, Status.EXPIRED: 0}

    @classmethod
    def merge_prefer(cls, kept: "ImprovementNotice", moved: "ImprovementNotice"):
        """Of two profiles' notices of one improvement, the one further along stays (a notice
        handed to the outbox over one still waiting), else the kept profile's."""
        if cls._ALONG[moved.status] > cls._ALONG[kept.status]:
            return moved
        return kept

    @property
    def delivery(self) -> str:
        """The message's status once handed to the outbox; before, "waiting" or "expired"."""
        if self.message_id:
            return self.message.status
        return self.status if self.status != self.Status.DECIDED else "queued"

    @property
    def why(self) -> str:
        return self.message.reason if self.message_id else self.reason
