"""The "did we make it right?" follow-up: its answer attached to its ticket (yes closes as
recovered, no reopens), and the sweep that notes sent follow-ups, marks SLA breaches and sends
the "you said, we did" notices whose wait is over."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from recovery.models import OPEN_STATES, State, Ticket, TicketEvent, TicketItem
from recovery.services.improvements import notices_retry
from recovery.services.log import item_describe, item_link, ticket_event
from recovery.services.notices import sla_warnings
from recovery.services.sla import sla_breach
from recovery.services.workflow import ticket_close, ticket_follow_up_sent, ticket_reopen
from surveys.models import Complaint, Invitation, Response


def follow_up_tickets(items: list[Response | Complaint]) -> dict[int, Ticket]:
    """{response pk: ticket} for the responses that answer a ticket's "did we make it right?"
    invitation, in one query."""
    invitations = {
        item.invitation_id: item.pk
        for item in items
        if isinstance(item, Response) and item.invitation_id
    }
    if not invitations:
        return {}
    return {
        invitations[ticket.follow_up_id]: ticket
        for ticket in Ticket.objects.filter(follow_up_id__in=invitations)
    }


def made_it_right(response: Response, sentiment: str) -> bool:
    """Yes when the customer chose "Yes" or answered positively, and no score says otherwise."""
    if sentiment == "negative":
        return False
    chose = {
        choice.strip().lower() for answer in response.answers.all() for choice in answer.choices
    }
    if chose:
        return "yes" in chose
    return sentiment == "positive"


def follow_up_receive(*, ticket: Ticket, response: Response, sentiment: str) -> Ticket:
    """Attach the answer to its ticket and close (recovered) or reopen. Idempotent."""
    with transaction.atomic():
        if TicketItem.objects.filter(response=response).exists():
            return ticket
        item_link(ticket, response)
        ticket_event(
            ticket=ticket,
            kind=TicketEvent.Kind.FOLLOW_UP_ANSWERED,
            item=item_describe(response),
            sentiment=sentiment,
        )
    if ticket.state not in (State.RESOLVED, State.FOLLOW_UP_SENT):
        return ticket  # already moved on (closed by hand, say): the answer is kept on the ticket
    return follow_up_answered(
        ticket=ticket, recovered=made_it_right(response, sentiment), response_id=response.pk
    )


def follow_up_answered(*, ticket: Ticket, recovered: bool, response_id: int) -> Ticket:
    """The customer answered "did we make it right?": yes closes as recovered, no reopens."""
    if recovered:
        return ticket_close(
            ticket=ticket, actor=None, recovered=True, reason="The customer said we made it right."
        )
    ticket = ticket_reopen(
        ticket=ticket, actor=None, reason="The customer said we did not make it right."
    )
    Ticket.objects.filter(pk=ticket.pk).update(recovered=False)
    ticket.recovered = False
    return ticket


FOLLOW_UP_FAILED = (
    Invitation.Status.SUPPRESSED,
    Invitation.Status.FAILED,
    Invitation.Status.CANCELLED,
)


def recovery_sweep(*, now=None) -> dict[str, int]:
    """Run every minute: note follow-ups that went out, mark and escalate SLA breaches, and send
    waiting "you said, we did" notices the contact policy now allows."""
    now = now or timezone.now()
    sent = 0
    resolved = Ticket.objects.filter(state=State.RESOLVED, follow_up__isnull=False).select_related(
        "follow_up"
    )
    for ticket in resolved:
        status = ticket.follow_up.status
        if status in (Invitation.Status.SENT, Invitation.Status.ANSWERED):
            ticket_follow_up_sent(ticket=ticket)
            sent += 1
        elif status in FOLLOW_UP_FAILED and not ticket.events.filter(
            kind=TicketEvent.Kind.FOLLOW_UP_NOT_SENT, payload__invitation=ticket.follow_up_id
        ):
            ticket_event(
                ticket=ticket,
                kind=TicketEvent.Kind.FOLLOW_UP_NOT_SENT,
                invitation=ticket.follow_up_id,
                reason=ticket.follow_up.reason,
            )
    overdue = Ticket.objects.filter(state__in=OPEN_STATES, breached=False).filter(
        Q(apologised_at__isnull=True, apology_due_at__lt=now)
        | Q(resolved_at__isnull=True, resolution_due_at__lt=now)
    )
    breaches = 0
    for ticket in overdue.select_related("team__manager"):
        sla_breach(ticket=ticket, now=now)
        breaches += 1
    return {
        "follow_ups": sent,
        "breaches": breaches,
        "notices": notices_retry(now=now),
        "sla_warnings": sla_warnings(now=now),
    }
