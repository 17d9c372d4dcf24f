"""Restitution (what we give back) and the approval limits it is checked against."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from recovery.models.tickets import Ticket


class Restitution(models.Model):
    """What we give back for the trouble. Money is Decimal, with its currency."""

    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        CREDIT = "credit", _("Account credit")
        VOUCHER = "voucher", _("Voucher")
        REPLACEMENT = "replacement", _("Replacement")
        GIFT = "gift", _("Gift")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        GRANTED = "granted", _("Granted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    MONEY_KINDS = (Kind.REFUND, Kind.CREDIT, Kind.VOUCHER)

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="restitutions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    item = models.CharField(
        max_length=200, blank=True, help_text=_("For a replacement or gift: what.")
    )
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # The notice to the customer, written when offered and sent when granted.
    notice_subject = models.CharField(max_length=300, blank=True)
    notice_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="restitution_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        """What is given, in the reader's language: "Voucher of 15.00 GBP"."""
        kind = self.get_kind_display()
        if self.amount is not None:
            values = {"kind": kind, "amount": self.amount, "currency": self.currency}
            return gettext("%(kind)s of %(amount)s %(currency)s") % values
        return (
            gettext("%(kind)s: %(item)s") % {"kind": kind, "item": self.item} if self.item else kind
        )

    @property
    def recorded_summary(self) -> str:
        """The summary as logs and notices keep it: in English, whoever acted."""
        with override(settings.LANGUAGE_CODE):
            return self.summary


class ApprovalLimit(models.Model):
    """The most an agent may grant on their own, per currency; above it a manager approves.

    `agent_limit` is per ticket, in total (what was granted on it before counts); a
    `customer_limit` also caps what agents grant one customer over all their tickets in the
    last RESTITUTION_CUSTOMER_PERIOD_DAYS days.
    """

    currency = models.CharField(max_length=3, unique=True)
    agent_limit = models.DecimalField(
        max_digits=10, decimal_places=2, help_text=_("Per ticket, in total.")
    )
    customer_limit = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Per customer over the rolling period, in total (blank: no such limit)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency"]

    def __str__(self) -> str:
        return f"{self.currency} {self.agent_limit}"
