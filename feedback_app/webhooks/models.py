"""Webhooks: the endpoints managers register, each event's delivery to each of them, and every
attempt at it with the receiver's answer (the delivery log)."""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """What other systems can be told of. The value is the event's `type` in the payload."""

    TICKET_OPENED = "ticket.opened", _("Ticket opened")
    STEP_TAKEN = "ticket.step_taken", _("Recovery step taken (apology, reassurance, restitution…)")
    RESTITUTION_GRANTED = "restitution.granted", _("Restitution granted to the customer")
    IMPROVEMENT_SHIPPED = "improvement.shipped", _("Improvement shipped (“you said, we did”)")
    DETRACTOR = "feedback.detractor", _("Detractor received (NPS 0-6)")
    # Sent by hand from the endpoint's page to check a receiver; nobody subscribes to it.
    TEST = "webhook.test", _("Test event")


SUBSCRIBABLE = [(value, label) for value, label in Event.choices if value != Event.TEST]


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: "whsec_" and 32 random bytes, base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Webhook(models.Model):
    """An endpoint of another system, told of the events it subscribes to."""

    class Format(models.TextChoices):
        JSON = "json", _("JSON event (for your own systems, signed)")
        SLACK = "slack", _("Slack-compatible message (a team channel's incoming webhook)")

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, verbose_name=_("URL"))
    events = models.JSONField(default=list, help_text=_("Event types it receives."))
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.JSON)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    # The secret before the last rotation: deliveries are signed with both for a day.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    active = models.BooleanField(default=True)
    # Why it stopped by itself (the receiver answered 410 Gone); blank when a person paused it.
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("webhooks:edit", args=[self.pk])

    def event_labels(self) -> list[str]:
        labels = dict(Event.choices)
        return [labels.get(event, event) for event in self.events]


class Delivery(models.Model):
    """One event for one endpoint. Deliveries with the same `order_key` (one ticket's events)
    go to an endpoint one after another, in the order they happened."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Gave up")
        CANCELLED = "cancelled", _("Cancelled (endpoint gone)")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=Event.choices)
    # The event's id, the same for every endpoint and every retry: receivers drop repeats by it.
    event_id = models.CharField(max_length=40, db_index=True)
    # What happened, once: a second publication of the same thing (a retried task, a re-triage)
    # meets this key and is dropped.
    dedupe_key = models.CharField(max_length=100)
    order_key = models.CharField(max_length=60)
    payload = models.JSONField()
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While SENDING: until when the worker sending it holds it (a killed worker lets go).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook", "dedupe_key"], name="delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["webhook", "order_key", "id"],
                condition=Q(status__in=["pending", "sending"]),
                name="delivery_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.webhook}"


class Attempt(models.Model):
    """One try at a delivery and what the receiver answered (or why there was no answer)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=timezone.now, editable=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
