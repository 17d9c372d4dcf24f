"""Retention: how long until a ticket's customer came back (an event or an answer of their
own), kept on the ticket for the retention figures."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery

from feedback_app.customers.models import Customer
from recovery.models import Ticket
from surveys.models import Event, Response, Survey


def came_back(moments: list[tuple[Customer, datetime]]) -> int:
    """Customers did something of their own, each (customer, at): each of their tickets opened
    before then keeps the shortest time to such a moment. One read and one write for a batch;
    order-independent, so past imports are fine."""
    if not moments:
        return 0
    by_customer: dict[int, list] = {}
    for customer, at in moments:
        by_customer.setdefault(customer.pk, []).append(at)
    tickets = Ticket.objects.filter(
        customer_id__in=by_customer, opened_at__lt=max(at for _c, at in moments)
    ).order_by()
    changed = []
    for ticket in tickets.only("customer_id", "opened_at", "came_back_after"):
        later = [at - ticket.opened_at for at in by_customer[ticket.customer_id]]
        later = [after for after in later if after > timedelta(0)]
        if later and (ticket.came_back_after is None or min(later) < ticket.came_back_after):
            ticket.came_back_after = min(later)
            changed.append(ticket)
    Ticket.objects.bulk_update(changed, ["came_back_after"])
    return len(changed)


def with_next_own_moments(tickets):
    """The tickets annotated with their customer's next event (`next_event`) and next answer of
    their own (`next_answer`, not a recovery follow-up) after the ticket opened."""
    later_event = (
        Event.objects.filter(customer=OuterRef("customer"), occurred_at__gt=OuterRef("opened_at"))
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    later_answer = (
        Response.objects.filter(
            customer=OuterRef("customer"), submitted_at__gt=OuterRef("opened_at")
        )
        .exclude(survey__purpose=Survey.Purpose.RECOVERY_FOLLOW_UP)
        .order_by("submitted_at")
        .values("submitted_at")[:1]
    )
    return tickets.annotate(next_event=Subquery(later_event), next_answer=Subquery(later_answer))


def came_back_refresh(tickets=None, batch: int = 2000) -> int:
    """Recompute came_back_after from the stored events and answers (after a bulk load, a
    merge of customers, or `manage.py rebuild_rollups`: see recovery.receivers)."""
    rows = (
        with_next_own_moments(tickets if tickets is not None else Ticket.objects.all())
        .values_list("pk", "opened_at", "came_back_after", "next_event", "next_answer")
        .order_by()
    )
    changed = []
    for pk, opened_at, before, *moments in rows.iterator(chunk_size=batch):
        moments = [m for m in moments if m is not None]
        after = min(moments) - opened_at if moments else None
        if after != before:
            changed.append(Ticket(pk=pk, came_back_after=after))
    Ticket.objects.bulk_update(changed, ["came_back_after"], batch_size=batch)
    return len(changed)
