"""The ticket log, at the bottom of recovery's writes: every change to a ticket leaves a
TicketEvent (append-only: the timeline, the audit and the source of the SLA and recovery figures),
and the feedback behind a ticket is linked here; other systems are told of it from here
(services.announce). Staff notices go out from here too."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from recovery.models import Ticket, TicketEvent, TicketItem
from recovery.services.announce import ticket_events_announce
from surveys.models import Complaint, Response


def item_describe(item: Response | Complaint) -> dict:
    return {"type": "complaint" if isinstance(item, Complaint) else "response", "id": item.pk}


def item_link(ticket: Ticket, item: Response | Complaint) -> TicketItem:
    field = "complaint" if isinstance(item, Complaint) else "response"
    return TicketItem.objects.create(ticket=ticket, **{field: item})


def ticket_event_new(
    *, ticket: Ticket, kind: str, actor=None, from_state: str = "", to_state: str = "", **payload
) -> TicketEvent:
    """A log entry not yet saved (for bulk_create); ticket_event saves one at once."""
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        payload=payload,
    )


def ticket_event(**fields) -> TicketEvent:
    event = ticket_event_new(**fields)
    event.save(force_insert=True)
    ticket_events_announce([event])
    return event


def ticket_events_save(events: list[TicketEvent]) -> None:
    """Save entries made by ticket_event_new in one statement (and announce them)."""
    TicketEvent.objects.bulk_create(events)
    ticket_events_announce(events)


def ticket_mail(user, ticket: Ticket, subject: str, text: str) -> None:
    """E-mail one person about a ticket (when they have an address), linking it."""
    if user is not None and user.email:
        staff_notify(
            [user.email],
            f"Ticket #{ticket.pk}: {subject}"[:200],
            f"{ticket.subject}\n\n{text}\n\n{settings.SITE_URL}{ticket.get_absolute_url()}",
        )


def staff_notify(recipients: list[str], subject: str, body: str) -> None:
    """Internal notices to staff go straight to Django's mail (not the customer outbox)."""
    transaction.on_commit(
        lambda: send_mail(
            subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True
        )
    )
