"""Reads of the recovery app, with joins decided here once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from feedback_app.core.counts import counts_at_once
from feedback_app.customers.models import Channel, IncomingMessage, Message
from recovery.models import (
    NEXT_DUE,
    Improvement,
    ImprovementLink,
    ImprovementNotice,
    Restitution,
    StaffNotice,
    State,
    Ticket,
    TicketEvent,
    TicketItem,
)
from surveys.models import Response

# What the agent still has to do something about (the follow-up waits on the customer).
ACTION_STATES = frozenset(
    {State.NEW, State.REOPENED, State.APOLOGISED, State.REASSURED, State.RESTITUTION_OFFERED}
)
FOLLOW_UP_STATES = frozenset({State.RESOLVED, State.FOLLOW_UP_SENT})
SORTS = {
    "next_due": (F("next_due_at").asc(nulls_last=True), "-priority", "id"),
    "priority": ("-priority", "opened_at", "id"),
    "oldest": ("opened_at", "id"),
    "newest": ("-opened_at", "-id"),
    "due": ("apology_due_at", "resolution_due_at", "id"),
}


def with_next_due(queryset):
    """Tickets with `next_due_at`: the apology's due time until it was sent, then the
    resolution's until resolved, then none (`recovery.models.NEXT_DUE`, which an index keeps
    in order)."""
    return queryset.annotate(next_due_at=NEXT_DUE)


def sort_tickets(queryset, sort: str):
    """The queue in the chosen order; by default the next due time first, so what will be late
    soonest is on top."""
    if sort not in SORTS or sort == "next_due":
        return with_next_due(queryset).order_by(*SORTS["next_due"])
    return queryset.order_by(*SORTS[sort])


def ticket_detail(*, pk: int) -> Ticket:
    items = TicketItem.objects.select_related("response__survey", "complaint").prefetch_related(
        "response__answers__question",
        "response__topics",
        "complaint__topics",
        "complaint__attachments",
    )
    return (
        Ticket.objects.select_related("customer", "assignee", "main_topic", "follow_up__survey")
        .prefetch_related(
            Prefetch("items", queryset=items),
            # The timeline: steps and changes. Notes are shown once, in the conversation.
            Prefetch(
                "events",
                queryset=TicketEvent.objects.exclude(kind=TicketEvent.Kind.NOTE).select_related(
                    "actor"
                ),
            ),
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


# The columns a queue row shows (recovery/views/queue.py): the page reads these and no more, so
# 50 rows do not convert some 400 unused dates and texts.
QUEUE_ROW_FIELDS = (
    "subject",
    "reference",
    "state",
    "priority",
    "breached",
    "opened_at",
    "apology_due_at",
    "apologised_at",
    "resolution_due_at",
    "resolved_at",
    "customer_waiting_since",
    "customer__full_name",
    "customer__value_tier",
    "assignee__username",
    "team__name",
)


def queue_page_rows(ids: list[int]) -> list[Ticket]:
    """The queue's rows for these ticket ids, in their order, with only what a row shows; each
    with `topic_names`, read in one query of names (a prefetch built a manager and a topic
    object for every link)."""
    rows = (
        Ticket.objects.select_related("customer", "assignee", "team")
        .only(*QUEUE_ROW_FIELDS)
        .in_bulk(ids)
    )
    names: dict[int, list[str]] = {}
    links = Ticket.topics.through.objects.filter(ticket_id__in=ids).order_by("topic__name")
    for ticket_id, name in links.values_list("ticket_id", "topic__name"):
        names.setdefault(ticket_id, []).append(name)
    tickets = [rows[pk] for pk in ids if pk in rows]
    for ticket in tickets:
        ticket.topic_names = names.get(ticket.pk, [])
    return tickets


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


@dataclass(frozen=True)
class History:
    scores: list  # their last answers with a score: (when, survey, NPS)
    told: list[Message]  # what we last sent them, outside this ticket


def customer_history(*, ticket: Ticket, rows: int = 5) -> History:
    """The customer's history with us beside the ticket: their last scores, and what they were
    last told (messages that went out about anything but this ticket)."""
    scores = list(
        Response.objects.filter(customer_id=ticket.customer_id, nps__isnull=False)
        .order_by("-submitted_at")
        .values_list("submitted_at", "survey__name", "nps")[:rows]
    )
    told = list(
        Message.objects.filter(customer_id=ticket.customer_id, status=Message.Status.SENT)
        .exclude(thread=ticket.hold_reference)
        .order_by("-created_at")
        .only("subject", "purpose", "created_at", "channel")[:rows]
    )
    return History(scores=scores, told=told)


def improvement_list() -> QuerySet[Improvement]:
    return (
        Improvement.objects.select_related("owner")
        .prefetch_related("topics")
        .annotate(
            link_count=Count("links", distinct=True),
            notice_count=Count("notices", distinct=True),
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


# Labels of a conversation entry's channel and delivery, in the reader's language when read.
CHANNELS = dict(Channel.choices)
DELIVERY = dict(Message.Status.choices)


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

    def who(self) -> SafeString:
        """Who said it and how, in the reader's language: "Ann Lee wrote (E-mail)", "Note by
        Sam (never sent)", "To the customer, by Sam · Sent"."""
        values = {
            "author": conditional_escape(self.author),
            "channel": conditional_escape(CHANNELS.get(self.channel, self.channel)),
        }
        if self.direction == "in":
            said = _("<strong>%(author)s</strong> wrote (%(channel)s)") % values
        elif self.direction == "note":
            said = _("Note by %(author)s (never sent)") % values
        else:
            said = (
                _("To the customer, by %(author)s") % values
                if self.author
                else _("To the customer")
            )
            said += " · " + conditional_escape(DELIVERY.get(self.delivery, self.delivery))
            if self.reason:
                said += f" ({conditional_escape(self.reason)})"
        return mark_safe(said)  # noqa: S308 - our message, every value in it escaped


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


def end_of_today(now=None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def queue_counts(*, user, manager: bool) -> dict[str, int]:
    """The saved views' counts in the navigation: tickets of mine needing action, tickets
    due today (or late), and, for managers, restitution waiting for approval."""
    action = Ticket.objects.filter(state__in=ACTION_STATES)
    figures = {
        "mine": action.filter(assignee=user),
        "due_today": with_next_due(action).filter(next_due_at__lt=end_of_today()),
    }
    if manager:
        figures["approvals"] = Restitution.objects.filter(status=Restitution.Status.PENDING)
    return counts_at_once(**figures)


def unread_notice_count(*, user) -> int:
    return StaffNotice.objects.filter(user=user, read_at__isnull=True).count()


def staff_notices(*, user) -> QuerySet[StaffNotice]:
    """The person's notices, unread first, newest first, with their tickets."""
    return (
        StaffNotice.objects.filter(user=user)
        .select_related("ticket")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")
    )


@dataclass(frozen=True)
class Desk:
    """An agent's own figures for their start page."""

    mine: list  # open tickets assigned to them, the soonest due first (at most DESK_ROWS)
    mine_count: int
    due_soon: int  # of theirs, an apology or resolution due within DESK_SOON_HOURS
    recovered: int  # this month, of their tickets whose customer answered "did we make it right?"
    answered: int
    first_response: timedelta | None  # median, from opening to their first message, this month
    responded: int

    @property
    def recovery_rate(self) -> float | None:
        return round(100 * self.recovered / self.answered, 1) if self.answered else None


DESK_ROWS, DESK_SOON_HOURS = 8, 4


def agent_desk(*, user, now=None) -> Desk:
    """The agent's tickets and figures for this month: a handful of bounded queries."""
    now = now or timezone.now()
    month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    mine = Ticket.objects.filter(assignee=user, state__in=ACTION_STATES)
    soon = now + timedelta(hours=DESK_SOON_HOURS)
    counts = with_next_due(mine).aggregate(
        n=Count("pk"), soon=Count("pk", filter=Q(next_due_at__lte=soon))
    )
    answered = Ticket.objects.filter(
        assignee=user, recovered__isnull=False, closed_at__gte=month
    ).aggregate(n=Count("pk"), yes=Count("pk", filter=Q(recovered=True)))
    first_messages = (
        TicketEvent.objects.filter(
            ticket__assignee=user,
            ticket__opened_at__gte=month,
            kind__in=[TicketEvent.Kind.APOLOGISED, TicketEvent.Kind.REPLIED],
        )
        .values("ticket_id", "ticket__opened_at")
        .annotate(first=Min("created_at"))
    )
    waits = sorted(row["first"] - row["ticket__opened_at"] for row in first_messages)
    return Desk(
        mine=list(sort_tickets(mine.select_related("customer"), "next_due")[:DESK_ROWS]),
        mine_count=counts["n"],
        due_soon=counts["soon"],
        recovered=answered["yes"],
        answered=answered["n"],
        first_response=waits[len(waits) // 2] if waits else None,
        responded=len(waits),
    )
