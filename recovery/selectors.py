"""Reads of the recovery app, with joins decided here once."""

from django.db.models import Prefetch

from recovery.models import Ticket, TicketEvent, TicketItem


def ticket_detail(*, pk: int) -> Ticket:
    items = TicketItem.objects.select_related("response__survey", "complaint").prefetch_related(
        "response__answers__question", "response__topics", "complaint__topics"
    )
    return (
        Ticket.objects.select_related("customer", "assignee")
        .prefetch_related(
            Prefetch("items", queryset=items),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
            "topics",
        )
        .get(pk=pk)
    )
