"""Reads of the recovery app, with joins decided here once."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from feedback_app.customers.models import IncomingMessage, Message
from recovery.models import (
    Improvement,
    ImprovementLink,
    ImprovementNotice,
    Restitution,
    StaffNotice,
    Ticket,
    TicketEvent,
    TicketItem,
)


def ticket_detail(*, pk: int) -> Ticket:
    items = TicketItem.objects.select_related("response__survey", "complaint").prefetch_related(
        "response__answers__question", "response__topics", "complaint__topics"
    )
    return (
        Ticket.objects.select_related("customer", "assignee", "main_topic", "follow_up__survey")
        .prefetch_related(
            Prefetch("items", queryset=items),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
            Prefetch(
                "restitutions",
                queryset=Restitution.objects.select_related("requested_by", "decided_by"),
            ),
            "topics",
            "improvement_links__improvement",
        )
        .get(pk=pk)
    )


def ticket_queue() -> QuerySet[Ticket]:
    """Tickets for the queue and the API list, with what each row shows joined or prefetched."""
    return Ticket.objects.select_related("customer", "assignee", "team").prefetch_related("topics")


def tickets_from_channel(tickets: QuerySet[Ticket], channel: str) -> QuerySet[Ticket]:
    """Tickets with a complaint or response that came in by `channel`."""
    items = TicketItem.objects.filter(ticket=OuterRef("pk"))
    return tickets.filter(
        Exists(items.filter(complaint__channel=channel))
        | Exists(items.filter(response__channel=channel))
    )


def pending_restitutions() -> QuerySet[Restitution]:
    return (
        Restitution.objects.filter(status=Restitution.Status.PENDING)
        .select_related("ticket__customer", "requested_by")
        .order_by("created_at")
    )


def customer_past_tickets(*, ticket: Ticket) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .order_by("-opened_at")[:10]
    )


def improvement_list() -> QuerySet[Improvement]:
    return (
        Improvement.objects.select_related("owner")
        .prefetch_related("topics")
        .annotate(
            link_count=Count("links", distinct=True),
            told_count=Count("notices", filter=Q(notices__message__status="sent"), distinct=True),
            waiting_count=Count("notices", filter=Q(notices__status="waiting"), distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def improvement_detail(*, pk: int) -> Improvement:
    links = ImprovementLink.objects.select_related(
        "ticket__customer", "response__customer", "response__survey", "complaint__customer"
    ).order_by("-created_at", "-id")
    notices = ImprovementNotice.objects.select_related("customer", "message").order_by(
        "customer_id"
    )
    return (
        Improvement.objects.select_related("owner")
        .prefetch_related(
            "topics", Prefetch("links", queryset=links), Prefetch("notices", queryset=notices)
        )
        .get(pk=pk)
    )


def improvements_public(*, topic=None) -> QuerySet[Improvement]:
    """Shipped improvements for the public page, with how many asked (counts only)."""
    queryset = (
        Improvement.objects.filter(status=Improvement.Status.SHIPPED)
        .prefetch_related("topics")
        .annotate(
            messages=Count("links", distinct=True),
            customers=Count("notices", distinct=True),
        )
        .order_by("-shipped_at")
    )
    if topic is not None:
        queryset = queryset.filter(topics=topic)
    return queryset


@dataclass(frozen=True)
class Entry:
    """One message of a ticket's conversation, whichever way it went."""

    direction: str  # "out" (to the customer), "in" (from them) or "note" (internal, never sent)
    at: datetime
    body: str
    subject: str = ""
    author: str = ""
    channel: str = ""
    delivery: str = ""  # for "out": queued, sending, sent, suppressed or failed
    reason: str = ""
    files: tuple = ()


def ticket_threads(ticket: Ticket) -> list[str]:
    """The conversations of a ticket: its own, and its "did we make it right?" invitation's."""
    threads = [ticket.hold_reference]
    if ticket.follow_up_id:
        threads.append(f"surveys.invitation:{ticket.follow_up_id}")
    return threads


def ticket_conversation(*, ticket: Ticket, notes: bool = True) -> list[Entry]:
    """Everything said on the ticket, oldest first: our messages, the customer's, and (for
    staff) internal notes. Three queries and their files, however long the conversation."""
    threads = ticket_threads(ticket)
    entries = [
        Entry(
            "out",
            m.created_at,
            m.body_text,
            m.subject,
            (m.actor.get_full_name() or m.actor.get_username()) if m.actor else "",
            m.channel,
            m.status,
            m.reason,
            tuple(m.attachments.all()),
        )
        for m in Message.objects.filter(thread__in=threads)
        .select_related("actor")
        .prefetch_related("attachments")
    ]
    entries += [
        Entry(
            "in",
            i.received_at,
            i.body,
            i.subject,
            str(i.customer),
            i.channel,
            files=tuple(i.attachments.all()),
        )
        for i in IncomingMessage.objects.filter(thread__in=threads)
        .select_related("customer")
        .prefetch_related("attachments")
    ]
    if notes:
        entries += [
            Entry(
                "note",
                e.created_at,
                e.payload.get("text", ""),
                author=(e.actor.get_full_name() or e.actor.get_username()) if e.actor else "",
            )
            for e in TicketEvent.objects.filter(
                ticket=ticket, kind=TicketEvent.Kind.NOTE
            ).select_related("actor")
        ]
    return sorted(entries, key=lambda entry: entry.at)


def case_by_token(*, token: str) -> Ticket | None:
    """The ticket behind a case link, with what its page shows; None for a link that is not
    ours (expiry is the page's to judge, so it can say so)."""
    if not token or len(token) > 64:
        return None
    return (
        Ticket.objects.select_related("customer", "assignee")
        .prefetch_related("restitutions")
        .filter(case_token=token)
        .first()
    )


def unread_notice_count(*, user) -> int:
    return StaffNotice.objects.filter(user=user, read_at__isnull=True).count()


def staff_notices(*, user) -> QuerySet[StaffNotice]:
    """The person's notices, unread first, newest first, with their tickets."""
    return (
        StaffNotice.objects.filter(user=user)
        .select_related("ticket")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")
    )
