"""Contact holds: while recovery works a case, solicitations to the customer wait."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_noop

from feedback_app.core.phrases import Phrase, english
from feedback_app.customers.models import (
    ContactHold,
    Customer,
    TimelineEntry,
)
from feedback_app.customers.selectors import customer_survivor
from feedback_app.customers.services.timeline import timeline_entry, timeline_record


def hold_place(*, customer: Customer, reference: str, reason: str | Phrase, actor=None):
    """Pause solicitations to this customer until `hold_release` with the same reference."""
    customer = customer_survivor(customer)
    text = english(reason)
    hold, created = ContactHold.objects.get_or_create(
        customer=customer, reference=reference, released_at=None, defaults={"reason": text[:200]}
    )
    if created:
        timeline_record(**_placed(hold, actor, reason))
    return hold


def _placed(hold: ContactHold, actor=None, reason: str | Phrase | None = None) -> dict:
    """The timeline entry of a hold placed (its reason as a Phrase when the caller has one)."""
    return {
        "customer": hold.customer,
        "kind": "hold.placed",
        "title": Phrase(gettext_noop("Surveys paused: %(reason)s"), reason=reason or hold.reason),
        "actor": actor,
    }


def holds_new(
    holds: list[tuple[Customer, str, str | Phrase]],
) -> list[tuple[ContactHold, TimelineEntry]]:
    """Holds under references that are new (a batch of tickets being opened), each as
    (customer, reference, reason), for customers the caller has read and found not merged:
    unsaved, each with its timeline entry, for the caller to write with its batch."""
    made = []
    for customer, reference, reason in holds:
        hold = ContactHold(customer=customer, reference=reference, reason=english(reason)[:200])
        made.append((hold, timeline_entry(**_placed(hold, None, reason))))
    return made


def hold_release(*, customer: Customer, reference: str, actor=None) -> int:
    customer = customer_survivor(customer)
    released = ContactHold.objects.filter(
        customer=customer, reference=reference, released_at__isnull=True
    ).update(released_at=timezone.now())
    if released:
        timeline_record(
            customer=customer,
            kind="hold.released",
            title=Phrase(gettext_noop("Surveys resumed")),
            actor=actor,
        )
    return released
