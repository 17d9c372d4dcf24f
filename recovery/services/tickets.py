"""Opening tickets (by triage, one by one or in batches, by staff, through the API) and linking
feedback to the ticket of its incident. Assignment, notes and the queue's bulk actions:
`recovery.services.assignment`."""

from __future__ import annotations

import copy
import dataclasses

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.bulk import Insert, Later, rows_insert
from feedback_app.core.errors import DomainError
from feedback_app.core.formatting import shortened
from feedback_app.core.phrases import Lower, Phrase
from feedback_app.customers.models import Channel, ContactHold, Customer, TimelineEntry
from feedback_app.customers.services.holds import hold_place, holds_new
from feedback_app.customers.services.timeline import timeline_entry, timeline_record
from recovery.models import OPEN_STATES, Priority, Ticket, TicketEvent, TicketItem
from recovery.services.announce import ticket_events_announce
from recovery.services.log import (
    item_describe,
    item_link,
    ticket_event,
    ticket_event_new,
    ticket_events_save,
)
from recovery.services.numbers import case_numbers_free
from recovery.services.routing import active_rules, ticket_route, tickets_route
from recovery.services.sla import sla_apply, sla_targets
from surveys.models import Complaint, Response, Topic


def _reference(item: Response | Complaint) -> str:
    if isinstance(item, Complaint):
        return item.reference
    event = item.invitation.event if item.invitation_id and item.invitation.event_id else None
    return event.reference if event else ""


def _subject(item: Response | Complaint) -> str:
    """What the queue shows: the first line of what the customer wrote (a complaint's subject
    line if it had one); for a score with no words, the score and the survey."""
    if isinstance(item, Complaint):
        return shortened(item.subject or first_line(item.text) or "Complaint", 120)
    words = " ".join(a.text for a in item.answers.all() if a.text)
    if words.strip():
        return shortened(first_line(words), 120)
    scores = ", ".join(
        f"{a.question.kind.upper()} {a.number}"
        for a in item.answers.all()
        if a.question.is_rating and a.number is not None
    )
    return shortened(f"{scores or 'Unhappy answer'} on \u201c{item.survey.name}\u201d", 120)


def one_line(text: str | None, limit: int) -> str:
    """The text on one line (every run of blanks one space), cut to `limit` characters."""
    return " ".join((text or "").split())[:limit]


def first_line(text: str) -> str:
    """The first non-empty line of a text, without surrounding blanks."""
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


# Long on purpose: finding the incident's open ticket and attaching to it are one locked step.
def feedback_link(
    *, item: Response | Complaint, severity: int, topics: list[str], failure: bool, actor=None
) -> Ticket | None:
    """Open a ticket for a failed item, or attach it to the customer's open ticket for the same
    incident. One incident, one ticket: an open ticket of the same customer takes the item unless
    both name different references (two orders are two incidents).

    Idempotent: an item already on a ticket returns that ticket (raising its priority if the new
    triage found it more severe). Feedback with no known customer opens nothing: there is nobody
    to recover.
    """
    existing = (
        TicketItem.objects.filter(
            **{"complaint" if isinstance(item, Complaint) else "response": item}
        )
        .select_related("ticket")
        .first()
    )
    if existing is not None:
        _raise_priority(existing.ticket, severity, actor)
        return existing.ticket
    if not failure or item.customer_id is None:
        return None
    reference = _reference(item)
    with transaction.atomic():
        # One customer's items are linked one at a time, so two arriving together share a ticket.
        customer = Customer.objects.select_for_update().get(pk=item.customer_id)
        candidates = Ticket.objects.filter(customer=customer, state__in=OPEN_STATES).order_by(
            "-opened_at", "-id"
        )
        ticket = next(
            (t for t in candidates if not (reference and t.reference and t.reference != reference)),
            None,
        )
        if ticket is not None:
            item_link(ticket, item)
            ticket_event(
                ticket=ticket,
                kind=TicketEvent.Kind.ITEM_ATTACHED,
                actor=actor,
                item=item_describe(item),
            )
            if reference and not ticket.reference:
                ticket.reference = reference
                ticket.save(update_fields=["reference", "updated_at"])
            found = {t.name: t for t in Topic.objects.filter(name__in=topics)}
            ticket.topics.add(*found.values())
            if ticket.main_topic_id is None and found:
                ticket.main_topic = next(found[name] for name in topics if name in found)
                ticket.save(update_fields=["main_topic", "updated_at"])
            _raise_priority(ticket, severity, actor)
            return ticket
        return ticket_create(
            customer=customer,
            priority=max(Priority.LOW, min(Priority.URGENT, severity)),
            subject=_subject(item),
            reference=reference,
            actor=actor,
            item=item,
            topics=topics,
        )


@dataclasses.dataclass
class _Opened:
    """The rows of one ticket triage opens, unsaved: the ticket, its opening log entry, its link
    to the item and to its topics, the customer's contact hold and the timeline entries of both;
    `key` is the (severity, topics) they were built for. What names the ticket's number is made
    with Later.ID standing for it, filled in once the ticket is written."""

    item: Response | Complaint
    key: tuple
    ticket: Ticket
    event: TicketEvent
    link: TicketItem
    topics: list
    hold: ContactHold
    hold_entry: TimelineEntry
    entry: TimelineEntry

    def rows(self, name: str) -> list:
        if name == "topics":
            return self.topics
        return [getattr(self, name)]


# The rows of an opened ticket, in the order they are written (a ticket first: the others link
# to it), and whether their ids are read back.
_OPENED_ROWS = (
    ("ticket", True),
    ("event", True),
    ("link", False),
    ("topics", False),
    ("hold", False),
    ("hold_entry", False),
    ("entry", False),
)


@dataclasses.dataclass
class Opening:
    """Tickets built for a batch before its transaction (`tickets_prepare`), by item, with their
    INSERTs' parameters made, and what building them read. `_tickets_open` saves those whose
    customer, checked under its locks, still has no open ticket."""

    built: dict[int, _Opened] = dataclasses.field(default_factory=dict)
    targets: dict | None = None
    rules: list | None = None
    found: dict[str, Topic] = dataclasses.field(default_factory=dict)
    inserts: dict[str, Insert] = dataclasses.field(default_factory=dict)
    due: dict = dataclasses.field(default_factory=dict)  # due times counted (sla_apply)
    # By priority: a hold and the two timeline entries as _opened makes them, to copy.
    said: dict = dataclasses.field(default_factory=dict)


def tickets_prepare(entries: list[tuple]) -> Opening:
    """Build (not save) the tickets `feedback_link_many` may open for these entries, with no
    transaction and no lock: for each failure of a known customer with no open ticket now."""
    wanted = [e for e in entries if e[3] and e[0].customer_id is not None]
    if not wanted:
        return Opening()
    busy = _busy({item.customer_id for item, *_rest in wanted})
    opening = _read_for(wanted)
    now = timezone.now()
    for item, severity, topics, _failure in wanted:
        if item.customer_id not in busy:
            opened = _opened(item, item.customer, severity, topics, opening, now)
            opening.built[item.pk] = opened
    ones = list(opening.built.values())
    case_numbers_free([(one.ticket, one.item) for one in ones])
    opening.inserts = {
        name: rows_insert([row for one in ones for row in one.rows(name)], returning=returning)
        for name, returning in _OPENED_ROWS
    }
    return opening


def _busy(customer_ids) -> set[int]:
    """Those of the customers who have an open ticket."""
    return set(
        Ticket.objects.filter(customer_id__in=customer_ids, state__in=OPEN_STATES).values_list(
            "customer_id", flat=True
        )
    )


def _read_for(entries: list[tuple]) -> Opening:
    """An Opening with what building the entries' tickets reads: SLA targets, routing rules,
    their topics."""
    return Opening(
        targets=sla_targets(),
        rules=active_rules(),
        found={
            t.name: t for t in Topic.objects.filter(name__in={n for e in entries for n in e[2]})
        },
    )


def _opened(item, customer: Customer, severity: int, topics, opening: Opening, now) -> _Opened:
    """The ticket triage opens for an item (its SLA clocks set) and its other rows, unsaved."""
    ticket = Ticket(
        customer=customer,
        priority=max(Priority.LOW, min(Priority.URGENT, severity)),
        subject=one_line(_subject(item), 200),
        reference=one_line(_reference(item), 100),
        opened_at=now,
        main_topic=next((opening.found[name] for name in topics if name in opening.found), None),
    )
    if isinstance(item, Complaint):
        ticket.case_number = item.case_number
    sla_apply(ticket, opening.targets, opening.due)
    field = "complaint" if isinstance(item, Complaint) else "response"
    said = opening.said.get(ticket.priority)
    if said is None:  # the words of every ticket of this priority in the batch, made once
        number = Later.ID
        said = opening.said[ticket.priority] = (
            *holds_new([(customer, Ticket.hold_reference_of(number), _held(number))])[0],
            timeline_entry(**_opened_entry(ticket, number=number)),
        )
    hold, hold_entry, entry = (copy.copy(row) for row in said)
    hold.customer = hold_entry.customer = entry.customer = customer
    entry.body, entry.subject_id = ticket.subject, Later(ticket)
    for row, names in (
        (hold, ("reference", "reason")),
        (hold_entry, ("title", "data")),
        (entry, ("title", "data")),
    ):
        for name in names:
            setattr(row, name, Later.filled(ticket, getattr(row, name)))
    return _Opened(
        item,
        (severity, tuple(topics)),
        ticket,
        _opened_event(ticket, item),
        TicketItem(ticket=ticket, **{field: item}),
        [
            Ticket.topics.through(ticket=ticket, topic_id=opening.found[name].pk)
            for name in dict.fromkeys(topics)
            if name in opening.found
        ],
        hold,
        hold_entry,
        entry,
    )


def feedback_link_many(entries: list[tuple], opening: Opening | None = None) -> list[Ticket | None]:
    """feedback_link for a batch of items of one model, each as (item, severity, topics,
    failure); returns each one's ticket (or None) in the same order.

    A failure whose customer has no open ticket and no other item in the batch gets its ticket
    in one bulk step with the others like it (_tickets_open); the rest (items already linked, a
    customer's second item, a customer with an open ticket) go through feedback_link one by
    one, in order, after it, so they find the tickets just opened: one incident, one ticket.
    Tickets built beforehand for the same entries (`opening`) are saved as they were built.
    """
    if not entries:
        return []
    field = "complaint" if isinstance(entries[0][0], Complaint) else "response"
    linked = {
        getattr(row, f"{field}_id"): row.ticket
        for row in TicketItem.objects.filter(
            **{f"{field}_id__in": [item.pk for item, *_rest in entries]}
        ).select_related("ticket")
    }
    tickets: dict[int, Ticket | None] = {}
    first, later, seen = [], [], set()
    for entry in entries:
        item, severity, _topics, failure = entry
        if item.pk in linked:
            tickets[item.pk] = linked[item.pk]
            _raise_priority(linked[item.pk], severity, None)
        elif not failure or item.customer_id is None:
            tickets[item.pk] = None
        elif item.customer_id in seen:
            later.append(entry)
        else:
            seen.add(item.customer_id)
            first.append(entry)
    tickets.update(_tickets_open(first, opening) if first else {})
    order = {id(entry): n for n, entry in enumerate(entries)}
    for item, severity, topics, failure in sorted(
        [e for e in first if e[0].pk not in tickets] + later, key=lambda e: order[id(e)]
    ):
        tickets[item.pk] = feedback_link(
            item=item, severity=severity, topics=topics, failure=failure
        )
    return [tickets.get(item.pk) for item, *_rest in entries]


# Long on purpose: ticket_create for many at once, each of its writes one bulk statement.
def _tickets_open(entries: list[tuple], opening: Opening | None = None) -> dict[int, Ticket]:
    """Open a ticket for each item whose customer (one item each) has no open ticket, as
    ticket_create does for one (those built in `opening` as built); returns {item pk: ticket}
    for those opened."""
    with transaction.atomic():
        # Locked in one order, so two batches wait for each other rather than deadlock.
        customers = Customer.objects.select_for_update().filter(
            pk__in=[item.customer_id for item, *_rest in entries]
        )
        customers = {c.pk: c for c in customers.order_by("pk")}
        busy = _busy(customers)
        entries = [
            e
            for e in entries
            if e[0].customer_id in customers
            and e[0].customer_id not in busy
            and not customers[e[0].customer_id].merged_into_id
        ]
        if not entries:
            return {}
        if opening is None or opening.targets is None:
            opening = _read_for(entries)
        now = timezone.now()
        made, fresh = [], []
        for item, severity, topics, _failure in entries:
            customer = customers[item.customer_id]
            opened = opening.built.get(item.pk)
            if opened is not None and opened.key == (severity, tuple(topics)):
                opened.ticket.customer = customer
                made.append(opened)
            else:
                fresh.append(_opened(item, customer, severity, topics, opening, now))
        case_numbers_free([(one.ticket, one.item) for one in fresh])
        for name, returning in _OPENED_ROWS:
            if made:
                opening.inserts[name].run([row for one in made for row in one.rows(name)])
            if fresh:
                rows_insert(
                    [row for one in fresh for row in one.rows(name)], returning=returning
                ).run()
        opened = made + fresh
        ticket_events_announce([one.event for one in opened])
        tickets_route([(one.ticket, one.item.channel) for one in opened], opening.rules)
    return {one.item.pk: one.ticket for one in opened}


def _raise_priority(ticket: Ticket, severity: int, actor) -> None:
    wanted = max(Priority.LOW, min(Priority.URGENT, severity))
    if wanted > ticket.priority:
        before = ticket.priority
        ticket.priority = wanted
        ticket.save(update_fields=["priority", "updated_at"])
        ticket_event(
            ticket=ticket,
            kind=TicketEvent.Kind.PRIORITY_RAISED,
            actor=actor,
            before=before,
            after=wanted,
        )


# Long on purpose: the checks and the one transaction that opens a ticket (SLA, link, topics, log,
# hold, timeline).
def ticket_create(
    *,
    customer: Customer,
    subject: str,
    priority: int = Priority.NORMAL,
    reference: str = "",
    topics=(),
    assignee=None,
    team=None,
    item: Response | Complaint | None = None,
    note: str = "",
    actor=None,
) -> Ticket:
    """Open a ticket (triage, staff by hand, or the API): SLA clocks start, the customer's
    surveys pause, and the opening is on the timeline."""
    subject = one_line(subject, 200)
    if not subject:
        raise DomainError(_("A ticket needs a subject: what went wrong."), field="subject")
    if priority not in Priority.values:
        raise DomainError(
            f"Priority is one of {', '.join(map(str, Priority.values))}.", field="priority"
        )
    if customer.merged_into_id:
        raise DomainError(
            f"That customer was merged into #{customer.merged_into_id}.", field="customer"
        )
    with transaction.atomic():
        now = timezone.now()
        ticket = Ticket(
            customer=customer,
            priority=priority,
            subject=subject,
            reference=one_line(reference, 100),
            opened_at=now,
            assignee=assignee,
            team=team,
        )
        if isinstance(item, Complaint):
            ticket.case_number = item.case_number  # the reference the customer already has
        case_numbers_free([(ticket, item)])
        sla_apply(ticket)
        ticket.save()
        if item is not None:
            item_link(ticket, item)
        found = {t.name: t for t in Topic.objects.filter(name__in=list(topics))}
        ticket.topics.set(found.values())
        # `topics` come weightiest first (triage's order): the first known one is the main one.
        main = next((found[name] for name in topics if name in found), None)
        if main is not None:
            ticket.main_topic = main
            ticket.save(update_fields=["main_topic"])
        ticket_events_save([_opened_event(ticket, item, actor, note)])
        ticket_route(ticket=ticket, channel=item.channel if item is not None else "")
        hold_place(customer=customer, reference=ticket.hold_reference, reason=_held(ticket.pk))
        timeline_record(**_opened_entry(ticket, actor))
    return ticket


def _opened_event(ticket: Ticket, item, actor=None, note: str = "") -> TicketEvent:
    return ticket_event_new(
        ticket=ticket,
        kind=TicketEvent.Kind.OPENED,
        actor=actor,
        to_state=ticket.state,
        priority=ticket.priority,
        **({"item": item_describe(item)} if item is not None else {}),
        **({"note": note.strip()} if note and note.strip() else {}),
    )


def _held(number) -> Phrase:
    """Why the customer's surveys wait while ticket `number` is open."""
    return Phrase(gettext_noop("recovery ticket #%(number)s is open"), number=number)


def _opened_entry(ticket: Ticket, actor=None, number=None) -> dict:
    """The customer's timeline entry for the ticket's opening (ticket `number`: its own id
    unless given)."""
    return {
        "customer": ticket.customer,
        "kind": "ticket.opened",
        "title": Phrase(
            gettext_noop("Recovery ticket #%(number)s opened (%(priority)s priority)"),
            number=ticket.pk if number is None else number,
            priority=Lower(Priority(ticket.priority).label),
        ),
        "body": ticket.subject,
        "channel": Channel.SYSTEM if actor is None else Channel.STAFF,
        "actor": actor,
        "subject": ticket,
    }
