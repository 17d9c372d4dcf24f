"""The conversation on a ticket, both ways: the acknowledgement a complaint gets at once, the
agents' free replies at any point, and what the customer writes back (by e-mail or on their
case page), which lands on the ticket's log and tells the assignee."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from feedback_app.core.errors import DomainError
from feedback_app.core.numbers import whole_number
from feedback_app.customers.languages import in_language_of
from feedback_app.customers.models import IncomingMessage, Message
from feedback_app.customers.outbox import replies_send
from feedback_app.customers.services.conversation import Upload
from recovery.models import StaffNotice, Ticket, TicketEvent
from recovery.services.log import ticket_event, ticket_event_new, ticket_events_save
from recovery.services.messages import (
    case_url,
    customer_message,
    sent_payload,
    ticket_words,
    worded_outgoing,
)
from recovery.services.notices import staff_notice
from recovery.services.sla import answer_due
from surveys.models import Complaint

THREAD_PREFIX = "recovery.ticket:"


def ticket_for_thread(thread: str) -> Ticket | None:
    """The ticket a conversation belongs to: its own thread ("recovery.ticket:<id>"), or the
    thread of its "did we make it right?" invitation."""
    prefix, _colon, digits = thread.partition(":")
    if (pk := whole_number(digits)) is None or digits != digits.strip():
        return None
    if f"{prefix}:" == THREAD_PREFIX:
        return Ticket.objects.filter(pk=pk).first()
    if prefix == "surveys.invitation":
        return Ticket.objects.filter(follow_up_id=pk).first()
    return None


def complaint_acknowledge(*, complaint: Complaint, ticket: Ticket) -> Message | None:
    """Tell the customer at once that we have their complaint: its reference, their case link
    and when to expect an answer (the apology's SLA, in business hours). Once per complaint; a
    complaint that reached us more than COMPLAINT_ACK_MAX_AGE_HOURS ago (an old file import)
    gets none."""
    return complaints_acknowledge([(complaint, ticket)])[0]


def _due(pairs: list[tuple[Complaint, Ticket]]) -> list[tuple[Complaint, Ticket]]:
    """The pairs whose complaint is recent enough to be acknowledged."""
    cutoff = timezone.now() - timedelta(hours=settings.COMPLAINT_ACK_MAX_AGE_HOURS)
    return [(complaint, ticket) for complaint, ticket in pairs if complaint.received_at >= cutoff]


def acknowledgements_prepare(pairs: list[tuple[Complaint, Ticket]]) -> dict[int, tuple]:
    """The acknowledgements' words for complaints and the tickets built (not yet written) for
    them, made before triage's transaction: {complaint pk: (ticket, words)}. Rendering them
    inside it held SQLite's one write lock for the time of three templates a complaint."""
    return {
        complaint.pk: (ticket, acknowledgement_words(complaint, ticket))
        for complaint, ticket in _due(pairs)
    }


def complaints_acknowledge(
    pairs: list[tuple[Complaint, Ticket]], made: dict[int, tuple] | None = None
) -> list[Message | None]:
    """`complaint_acknowledge` for each (complaint, its ticket), in the same order; the
    messages sent together (`replies_send`) and logged on their tickets in one statement. The
    words `made` ahead (`acknowledgements_prepare`) are used for the very tickets they were
    made for."""
    due = _due(pairs)
    if not due:
        return [None] * len(pairs)
    made = made or {}
    outgoing = []
    for complaint, ticket in due:
        for_ticket, words = made.get(complaint.pk, (None, None))
        if for_ticket is not ticket:
            words = acknowledgement_words(complaint, ticket)
        key = f"acknowledge:{complaint.pk}"
        outgoing.append(worded_outgoing(ticket, "acknowledge", None, key, words))
    with transaction.atomic():
        messages = replies_send(outgoing)
        logged = set(
            TicketEvent.objects.filter(
                ticket__in=[ticket.pk for _complaint, ticket in due],
                kind=TicketEvent.Kind.ACKNOWLEDGED,
            ).values_list("payload__complaint", flat=True)
        )
        events = []
        for (complaint, ticket), message in zip(due, messages, strict=True):
            if complaint.pk not in logged:
                logged.add(complaint.pk)  # once, even if the batch names it twice
                events.append(
                    ticket_event_new(
                        ticket=ticket,
                        kind=TicketEvent.Kind.ACKNOWLEDGED,
                        complaint=complaint.pk,
                        case_number=complaint.case_number,
                        **sent_payload(message),
                    )
                )
        ticket_events_save(events)
    sent = {c.pk: message for (c, _ticket), message in zip(due, messages, strict=True)}
    return [sent.get(complaint.pk) for complaint, _ticket in pairs]


def acknowledgement_words(complaint: Complaint, ticket: Ticket) -> tuple:
    """The acknowledgement's words in the customer's language (`ticket_words`)."""
    due = answer_due(ticket)
    context = {
        "first_name": ticket.customer.first_name,
        "company_name": settings.COMPANY_NAME,
        "case_number": complaint.case_number,
        "reference": complaint.reference,
        "answer_by": due and timezone.localtime(due),
        "case_url": case_url(ticket),
    }
    with in_language_of(ticket.customer):
        subject = render_to_string("recovery/email/acknowledgement_subject.txt", context).strip()
        body = render_to_string("recovery/email/acknowledgement_body.txt", context)
        short = render_to_string("recovery/email/acknowledgement_sms.txt", context).strip()
    return ticket_words(ticket, subject, body, short)


def ticket_reply(
    *, ticket: Ticket, actor, body: str, subject: str = "", uploads: Iterable[Upload] = ()
) -> TicketEvent:
    """A free message to the customer at any point of the case (with files, if any): sent as a
    reply, on the ticket's log, and the customer no longer waits for us."""
    subject = (subject or "").strip() or f"About your case {ticket.case_number}"
    if not (body or "").strip():
        raise DomainError(_("The message to the customer is empty."), field="body")
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=ticket.pk)
        )
        count = ticket.events.filter(kind=TicketEvent.Kind.REPLIED).count()
        message = customer_message(
            ticket, "reply", actor, subject, body, f"reply:{count + 1}", uploads=uploads
        )
        ticket.customer_waiting_since = None
        ticket.save(update_fields=["customer_waiting_since", "updated_at"])
        return ticket_event(
            ticket=ticket,
            kind=TicketEvent.Kind.REPLIED,
            actor=actor,
            files=[a.name for a in message.attachments.all()],
            **sent_payload(message),
        )


def ticket_customer_wrote(*, ticket: Ticket, incoming: IncomingMessage) -> TicketEvent:
    """The customer wrote on their case (by e-mail or on the case page): on the ticket's log,
    waiting for our answer, and the assignee is told. Idempotent per incoming message."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .get(pk=ticket.pk)
        )
        done = ticket.events.filter(
            kind=TicketEvent.Kind.CUSTOMER_WROTE, payload__incoming=incoming.pk
        ).first()
        if done is not None:
            return done
        if ticket.customer_waiting_since is None:
            ticket.customer_waiting_since = incoming.received_at
            ticket.save(update_fields=["customer_waiting_since", "updated_at"])
        event = ticket_event(
            ticket=ticket,
            kind=TicketEvent.Kind.CUSTOMER_WROTE,
            incoming=incoming.pk,
            channel=incoming.channel,
            text=Truncator(incoming.body).chars(5000),
            files=[a.name for a in incoming.attachments.all()],
        )
        staff_notice(
            user=ticket.assignee,
            kind=StaffNotice.Kind.CUSTOMER_WROTE,
            ticket=ticket,
            text=f"the customer wrote: {Truncator(incoming.body).chars(200)}",
            key=f"customer_wrote:{incoming.pk}",
        )
    return event
