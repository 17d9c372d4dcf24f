"""Writes of the recovery app. The workflow steps live in recovery.workflow; this module opens
tickets and links feedback to them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator

from feedback_app.customers.models import Channel, Customer
from feedback_app.customers.services import hold_place, timeline_record
from feedback_app.errors import DomainError
from feedback_app.staff.roles import is_person
from recovery.models import OPEN_STATES, Priority, SlaTarget, State, Ticket, TicketEvent, TicketItem
from recovery.sla import add_business_hours
from surveys.models import Complaint, Invitation, Response, Topic


def _reference(item: Response | Complaint) -> str:
    if isinstance(item, Complaint):
        return item.reference
    event = item.invitation.event if item.invitation_id and item.invitation.event_id else None
    return event.reference if event else ""


def _subject(item: Response | Complaint) -> str:
    if isinstance(item, Complaint):
        return Truncator(item.subject or item.text or "Complaint").chars(120)
    return Truncator(f"Unhappy answer to \u201c{item.survey.name}\u201d").chars(120)


def _link(ticket: Ticket, item: Response | Complaint) -> TicketItem:
    field = "complaint" if isinstance(item, Complaint) else "response"
    return TicketItem.objects.create(ticket=ticket, **{field: item})


def ticket_event(
    *, ticket: Ticket, kind: str, actor=None, from_state: str = "", to_state: str = "", **payload
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        payload=payload,
    )


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
            _link(ticket, item)
            ticket_event(ticket=ticket, kind="item_attached", actor=actor, item=_describe(item))
            if reference and not ticket.reference:
                ticket.reference = reference
                ticket.save(update_fields=["reference", "updated_at"])
            ticket.topics.add(*Topic.objects.filter(name__in=topics))
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
    subject = " ".join((subject or "").split())[:200]
    if not subject:
        raise DomainError("A ticket needs a subject: what went wrong.", field="subject")
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
            reference=" ".join((reference or "").split())[:100],
            opened_at=now,
            assignee=assignee,
            team=team,
        )
        sla_apply(ticket)
        ticket.save()
        if item is not None:
            _link(ticket, item)
        ticket.topics.set(Topic.objects.filter(name__in=list(topics)))
        ticket_event(
            ticket=ticket,
            kind="opened",
            actor=actor,
            to_state=ticket.state,
            priority=ticket.priority,
            **({"item": _describe(item)} if item is not None else {}),
            **({"note": note.strip()} if note and note.strip() else {}),
        )
        hold_place(
            customer=customer,
            reference=ticket.hold_reference,
            reason=f"recovery ticket #{ticket.pk} is open",
        )
        timeline_record(
            customer=customer,
            kind="ticket.opened",
            title=f"Recovery ticket #{ticket.pk} opened "
            f"({ticket.get_priority_display().lower()} priority)",
            body=ticket.subject,
            channel=Channel.SYSTEM if actor is None else Channel.STAFF,
            actor=actor,
            subject=ticket,
        )
    return ticket


def sla_apply(ticket: Ticket) -> None:
    """Set the apology and resolution due times from the ticket's priority (not saved)."""
    target = SlaTarget.objects.filter(priority=ticket.priority).first()
    if target is None:
        return
    start = ticket.opened_at or timezone.now()
    ticket.apology_due_at = add_business_hours(start, target.apology_hours)
    ticket.resolution_due_at = add_business_hours(start, target.resolution_hours)


def _describe(item: Response | Complaint) -> dict:
    return {"type": "complaint" if isinstance(item, Complaint) else "response", "id": item.pk}


def _raise_priority(ticket: Ticket, severity: int, actor) -> None:
    wanted = max(Priority.LOW, min(Priority.URGENT, severity))
    if wanted > ticket.priority:
        before = ticket.priority
        ticket.priority = wanted
        ticket.save(update_fields=["priority", "updated_at"])
        ticket_event(
            ticket=ticket, kind="priority_raised", actor=actor, before=before, after=wanted
        )


# --- Follow-up answers and the periodic sweep ----------------------------------------------------


def follow_up_ticket(item: Response | Complaint) -> Ticket | None:
    """The ticket whose "did we make it right?" invitation this response answers, if any."""
    if not isinstance(item, Response) or not item.invitation_id:
        return None
    return Ticket.objects.filter(follow_up_id=item.invitation_id).first()


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
    from recovery.workflow import follow_up_answered

    with transaction.atomic():
        if TicketItem.objects.filter(response=response).exists():
            return ticket
        _link(ticket, response)
        ticket_event(
            ticket=ticket, kind="follow_up_answered", item=_describe(response), sentiment=sentiment
        )
    if ticket.state not in (State.RESOLVED, State.FOLLOW_UP_SENT):
        return ticket  # already moved on (closed by hand, say): the answer is kept on the ticket
    return follow_up_answered(
        ticket=ticket, recovered=made_it_right(response, sentiment), response_id=response.pk
    )


FOLLOW_UP_FAILED = (
    Invitation.Status.SUPPRESSED,
    Invitation.Status.FAILED,
    Invitation.Status.CANCELLED,
)


def recovery_sweep(*, now=None) -> dict[str, int]:
    """Run every minute: note follow-ups that went out, and mark and escalate SLA breaches."""
    from recovery.workflow import sla_breach, ticket_follow_up_sent

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
            kind="follow_up_not_sent", payload__invitation=ticket.follow_up_id
        ):
            ticket_event(
                ticket=ticket,
                kind="follow_up_not_sent",
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
    return {"follow_ups": sent, "breaches": breaches}


# --- Retention: did the customer come back? ------------------------------------------------------


def came_back(*, customer: Customer, at) -> int:
    """The customer did something of their own at `at`: each of their tickets opened before then
    keeps the shortest time to such a moment. Order-independent, so past imports are fine."""
    changed = []
    tickets = Ticket.objects.filter(customer=customer, opened_at__lt=at).order_by()
    for ticket in tickets.only("opened_at", "came_back_after"):
        after = at - ticket.opened_at
        if ticket.came_back_after is None or after < ticket.came_back_after:
            ticket.came_back_after = after
            changed.append(ticket)
    Ticket.objects.bulk_update(changed, ["came_back_after"])
    return len(changed)


def came_back_refresh(tickets=None, batch: int = 2000) -> int:
    """Recompute came_back_after from the stored events and answers (after a bulk load, a
    merge of customers, or `manage.py rebuild_rollups`: see recovery.receivers)."""
    from django.db.models import OuterRef, Subquery

    from surveys.models import Event, Survey

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
    rows = (
        (tickets if tickets is not None else Ticket.objects.all())
        .annotate(next_event=Subquery(later_event), next_answer=Subquery(later_answer))
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


# --- Assignment and notes -------------------------------------------------------------------------


def ticket_assign(*, ticket: Ticket, actor, assignee=None, team=None) -> Ticket:
    """Give the ticket to a person and/or a team (None clears). Recorded on the ticket's log.

    Only people who work tickets can hold one: not integration accounts, not logins without a
    role, not deactivated ones."""
    if assignee is not None and not is_person(assignee):
        raise DomainError(
            f"{assignee.get_username()} does not work tickets: choose an agent or a manager.",
            field="assignee",
        )
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        changes = {}
        if ticket.assignee_id != (assignee.pk if assignee else None):
            changes["assignee"] = assignee.get_username() if assignee else None
            ticket.assignee = assignee
        if ticket.team_id != (team.pk if team else None):
            changes["team"] = team.name if team else None
            ticket.team = team
        if changes:
            ticket.save(update_fields=["assignee", "team", "updated_at"])
            ticket_event(ticket=ticket, kind="assigned", actor=actor, **changes)
    return ticket


def ticket_note(*, ticket: Ticket, actor, text: str) -> TicketEvent:
    """An internal note: on the ticket's log, never sent to the customer."""
    text = (text or "").strip()
    if not text:
        raise DomainError("The note is empty.", field="text")
    return ticket_event(ticket=ticket, kind="note", actor=actor, text=text[:5000])


def tickets_bulk(
    *, ticket_ids: list[int], actor, action: str, assignee=None, reason: str = ""
) -> tuple[int, list[str]]:
    """Assign or close many tickets; each one on its own, so one refusal does not stop the rest.
    Returns (done, problems)."""
    from recovery.workflow import ticket_close

    done, problems = 0, []
    for ticket in Ticket.objects.filter(pk__in=ticket_ids).order_by("pk"):
        try:
            if action == "close":
                ticket_close(ticket=ticket, actor=actor, reason=reason)
            else:
                ticket_assign(ticket=ticket, actor=actor, assignee=assignee, team=ticket.team)
        except DomainError as exc:
            problems.append(f"#{ticket.pk}: {exc.message}")
        else:
            done += 1
    return done, problems
