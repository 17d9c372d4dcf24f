"""The agent's desk: whether a person takes new tickets, and what they are told (in the app, and
by e-mail as they choose)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recovery.models.tickets import Ticket


class Availability(models.Model):
    """Whether a person takes new tickets now (off sick, on leave: away). Routing assigns only
    to members who are not away; their open tickets stay theirs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability"
    )
    away = models.BooleanField(default=False)
    # The kinds of StaffNotice also sent to this person by e-mail (all of them by default).
    email_notices = models.JSONField(default=list, blank=True)
    email_chosen = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "availability"

    def __str__(self) -> str:
        return f"{self.user}: {'away' if self.away else 'available'}"

    def emails(self, kind: str) -> bool:
        return kind in self.email_notices if self.email_chosen else True


class StaffNotice(models.Model):
    """Something one person should know about a ticket, listed in the app until read (and sent
    by e-mail when they chose so). `key` makes a notice about the same thing once."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("A ticket was given to me")
        CUSTOMER_WROTE = "customer_wrote", _("A customer wrote on my ticket")
        APPROVAL_WAITING = "approval_waiting", _("A restitution waits for my approval")
        DECIDED = "decided", _("My restitution request was decided")
        SLA_SOON = "sla_soon", _("My ticket's SLA is about to be missed")
        ALERT = "alert", _("Detractors or a topic rose above their usual level (managers)")
        DIGEST = "digest", _("The weekly digest (managers)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # A notice is about a ticket, or (alerts, digests) about a page of figures.
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="staff_notices"
    )
    link = models.CharField(max_length=300, blank=True)
    text = models.CharField(max_length=300)
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notice_per_thing"),
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notice_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.text}"
