"""What recovery tells other systems through webhooks: a ticket opened, each recovery step taken,
restitution granted, an improvement shipped. Ticket events are announced where the ticket log
is written (services.log), so every change the log records is announced in its transaction, in
the log's order; nothing is read while no endpoint listens."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils.translation import override

from feedback_app.webhooks.models import Event
from feedback_app.webhooks.services import Announcement, events_publish, listened
from recovery.models import Improvement, Restitution, Ticket, TicketEvent
from surveys.services.announce import customer_data, customer_phrase

Kind = TicketEvent.Kind
# The log entries that are steps of the recovery (the customer's case moved on).
STEPS = {
    Kind.APOLOGISED,
    Kind.REASSURED,
    Kind.RESTITUTION_OFFERED,
    Kind.RESOLVED,
    Kind.FOLLOW_UP_ANSWERED,
    Kind.CLOSED,
    Kind.REOPENED,
    Kind.SKIPPED,
}


def _ticket_data(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "case_number": ticket.case_number,
        "subject": ticket.subject,
        "state": ticket.state,
        "priority": ticket.get_priority_display(),
        "reference": ticket.reference,
        "opened_at": ticket.opened_at.isoformat() if ticket.opened_at else None,
        "assignee": ticket.assignee.get_username() if ticket.assignee_id else None,
        "team": ticket.team.name if ticket.team_id else None,
    }


def _names(event: TicketEvent) -> list[str]:
    names = []
    if event.kind == Kind.OPENED:
        names.append(Event.TICKET_OPENED)
    if event.kind in STEPS:
        names.append(Event.STEP_TAKEN)
    if event.kind == Kind.RESTITUTION_OFFERED:
        names.append(Event.RESTITUTION_GRANTED)
    return names


def _announcement(event: TicketEvent, name: str) -> Announcement:
    ticket = event.ticket
    who = customer_phrase(ticket.customer)
    data = {"ticket": _ticket_data(ticket), "customer": customer_data(ticket.customer)}
    actor = event.actor.get_username() if event.actor_id else None
    if name == Event.TICKET_OPENED:
        summary = (
            f"Ticket #{ticket.pk} opened ({ticket.get_priority_display()}) for {who}: "
            f"{ticket.subject}"
        )
    elif name == Event.STEP_TAKEN:
        data["step"] = {
            "kind": event.kind,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "actor": actor,
            "log_id": event.pk,
        }
        by = f" by {actor}" if actor else ""
        summary = f"Ticket #{ticket.pk}: {event.get_kind_display().lower()}{by} ({who})"
    else:
        restitution = Restitution.objects.get(pk=event.payload["restitution"])
        data["restitution"] = {
            "id": restitution.pk,
            "kind": restitution.kind,
            "amount": str(restitution.amount) if restitution.amount is not None else None,
            "currency": restitution.currency,
            "item": restitution.item,
            "summary": restitution.summary,
            "granted_by": actor,
        }
        summary = f"Ticket #{ticket.pk}: {restitution.summary} granted to {who}"
    return Announcement(
        event=name,
        summary=summary,
        data=data,
        url=settings.SITE_URL + ticket.get_absolute_url(),
        order_key=f"ticket:{ticket.pk}",
        dedupe_key=f"{name}:log:{event.pk}",
        occurred_at=event.created_at,
    )


@override(settings.LANGUAGE_CODE)  # other systems read the same words, whoever acted
def ticket_events_announce(events: list[TicketEvent]) -> None:
    """Publish the ticket log entries other systems subscribe to (called with saved entries)."""
    if not listened(Event.TICKET_OPENED, Event.STEP_TAKEN, Event.RESTITUTION_GRANTED):
        return
    events_publish([_announcement(event, name) for event in events for name in _names(event)])


@override(settings.LANGUAGE_CODE)  # other systems read the same words, whoever acted
def improvement_shipped_announce(
    improvement: Improvement, count_customers: Callable[[], int]
) -> None:
    """Publish that an improvement shipped, with how many customers who asked will be told
    (counted only when somebody listens)."""
    if not listened(Event.IMPROVEMENT_SHIPPED):
        return
    customers = count_customers()
    topics = list(improvement.topics.values_list("name", flat=True))
    data = {
        "improvement": {
            "id": improvement.pk,
            "title": improvement.title,
            "customer_text": improvement.customer_text,
            "topics": topics,
            "shipped_at": improvement.shipped_at.isoformat(),
            "customers_to_tell": customers,
        }
    }
    told = f"{customers} customer{'s' if customers != 1 else ''} who asked will be told"
    announcement = Announcement(
        event=Event.IMPROVEMENT_SHIPPED,
        summary=f"Shipped: {improvement.title} ({told})",
        data=data,
        url=settings.SITE_URL + reverse("recovery:improvement", args=[improvement.pk]),
        order_key=f"improvement:{improvement.pk}",
        dedupe_key=f"{Event.IMPROVEMENT_SHIPPED}:{improvement.pk}",
        occurred_at=improvement.shipped_at,
    )
    events_publish([announcement])
