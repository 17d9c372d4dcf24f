"""Recovery tickets: one per incident, linked to the feedback behind it, with an append-only log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.models import Customer
from recovery.workflow import OPEN_STATES, State
from surveys.models import Complaint, Response, Topic


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class Ticket(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEW, db_index=True)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.NORMAL, db_index=True
    )
    subject = models.CharField(max_length=200)
    # The order or case of the incident; a message about another reference is another incident.
    reference = models.CharField(max_length=100, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    opened_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "opened_at", "id"]
        indexes = [
            models.Index(fields=["customer", "state"]),
            models.Index(fields=["state", "-priority", "opened_at"], name="ticket_queue"),
        ]

    def __str__(self) -> str:
        return f"Ticket #{self.pk}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("recovery:ticket", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def hold_reference(self) -> str:
        return f"recovery.ticket:{self.pk}"


class TicketItem(models.Model):
    """A response or complaint behind a ticket. An item belongs to one ticket at most."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="items")
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="ticket_item"
    )
    complaint = models.OneToOneField(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="ticket_item"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(response__isnull=False) & Q(complaint__isnull=True))
                | (Q(response__isnull=True) & Q(complaint__isnull=False)),
                name="ticket_item_is_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return str(self.response or self.complaint)

    @property
    def item(self):
        return self.response or self.complaint


class TicketEvent(models.Model):
    """Append-only log of a ticket: the timeline, the audit trail, the source of SLA figures."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind}"

    @property
    def label(self) -> str:
        return self.kind.replace("_", " ").capitalize()
