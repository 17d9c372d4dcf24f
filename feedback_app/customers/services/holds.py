"""Contact holds: while recovery works a case, solicitations to the customer wait."""

from __future__ import annotations

from django.utils import timezone

from feedback_app.customers.models import (
    ContactHold,
    Customer,
)
from feedback_app.customers.selectors import customer_survivor
from feedback_app.customers.services.timeline import timeline_record


def hold_place(*, customer: Customer, reference: str, reason: str, actor=None):
    """Pause solicitations to this customer until `hold_release` with the same reference."""
    customer = customer_survivor(customer)
    hold, created = ContactHold.objects.get_or_create(
        customer=customer, reference=reference, released_at=None, defaults={"reason": reason[:200]}
    )
    if created:
        timeline_record(
            customer=customer,
            kind="hold.placed",
            title=f"Surveys paused: {hold.reason}",
            actor=actor,
        )
    return hold


def hold_release(*, customer: Customer, reference: str, actor=None) -> int:
    customer = customer_survivor(customer)
    released = ContactHold.objects.filter(
        customer=customer, reference=reference, released_at__isnull=True
    ).update(released_at=timezone.now())
    if released:
        timeline_record(
            customer=customer, kind="hold.released", title="Surveys resumed", actor=actor
        )
    return released
