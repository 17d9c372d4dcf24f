"""The ticket workflow, declared once: which step leads from which state, and the steps.

apology → reassurance → restitution → resolved → follow-up → closed, in that order. Every step is
one function; each runs in a transaction, re-reads the ticket with select_for_update, checks the
table, writes a TicketEvent and returns the ticket. The states are declared in recovery.models
(State), where the Ticket's field needs them. Offering restitution is a step too, with its money
rules beside it in recovery.services.restitution.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.errors import Conflict, DomainError, NotAllowed
from feedback_app.core.phrases import Phrase
from feedback_app.customers.models import Channel, Message
from feedback_app.customers.services.holds import hold_place, hold_release
from feedback_app.customers.services.timeline import timeline_record
from recovery.canned import fill, step_slots
from recovery.models import (
    OPEN_STATES,
    Improvement,
    ImprovementLink,
    Restitution,
    State,
    Ticket,
    TicketEvent,
)
from recovery.services.log import ticket_event, ticket_mail
from recovery.services.messages import customer_message, sent_payload
from surveys.models import Invitation
from surveys.selectors import follow_up_survey
from surveys.services.invitations import invitation_create, invitation_send_now

NO_FOLLOW_UP_SURVEY = (
    "no \u201cdid we make it right?\u201d survey is live: a manager can publish one under Surveys"
)

# step name → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "apologise": (frozenset({State.NEW, State.REOPENED}), State.APOLOGISED),
    "reassure": (frozenset({State.APOLOGISED}), State.REASSURED),
    "offer_restitution": (frozenset({State.REASSURED}), State.RESTITUTION_OFFERED),
    "resolve": (frozenset({State.RESTITUTION_OFFERED, State.REASSURED}), State.RESOLVED),
    "send_follow_up": (frozenset({State.RESOLVED}), State.FOLLOW_UP_SENT),
    # Closing before resolution (a duplicate, a withdrawn complaint) needs a written reason.
    "close": (OPEN_STATES, State.CLOSED),
    "reopen": (frozenset({State.RESOLVED, State.FOLLOW_UP_SENT, State.CLOSED}), State.REOPENED),
}


class InvalidTransition(Conflict):
    """The step is not allowed from the ticket's state; `allowed` names the steps that are."""

    def __init__(self, step: str, state: str):
        allowed = allowed_steps(state)
        super().__init__(
            f"A ticket that is {State(state).label.lower()} cannot {step.replace('_', ' ')}; "
            f"next allowed: {', '.join(allowed) or 'nothing'}.",
            allowed=allowed,
        )


def allowed_steps(state: str) -> list[str]:
    return [step for step, (sources, _target) in TRANSITIONS.items() if state in sources]


def check(step: str, state: str) -> str:
    """The state `step` leads to from `state`, or InvalidTransition."""
    sources, target = TRANSITIONS[step]
    if state not in sources:
        raise InvalidTransition(step, state)
    return target


SKIPPABLE = ("apologise", "reassure", "offer_restitution")


@contextlib.contextmanager
def locked_step(ticket: Ticket, step: str, expected_state: str | None = None):
    """Lock the ticket, check the step is allowed from its current state, yield (ticket, target).

    `expected_state` is the state the actor saw: if someone else moved the ticket meanwhile, the
    actor is told so instead of acting on a ticket they have not seen.
    """
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "assignee")
            .get(pk=ticket.pk)
        )
        if expected_state and locked.state != expected_state:
            raise Conflict(
                _(
                    "Someone else changed this ticket while you were working on it: it is now "
                    "%(state)s. Reload it to see what happened."
                )
                % {"state": str(State(locked.state).label).lower()},
                allowed=allowed_steps(locked.state),
            )
        yield locked, check(step, locked.state)


def log_event(
    ticket: Ticket, kind: str, actor, from_state: str = "", to_state: str = "", **payload
) -> TicketEvent:
    """The steps' short form of services.ticket_event (positional states)."""
    return ticket_event(
        ticket=ticket, kind=kind, actor=actor, from_state=from_state, to_state=to_state, **payload
    )


def move_to(ticket: Ticket, target: str, *extra_fields: str) -> None:
    ticket.state = target
    ticket.save(update_fields=["state", "updated_at", *extra_fields])


def on_timeline(ticket: Ticket, kind: str, title: Phrase, actor, body: str = "") -> None:
    timeline_record(
        customer=ticket.customer,
        kind=kind,
        title=title,
        body=(body or "").strip(),
        channel=Channel.STAFF if actor else Channel.SYSTEM,
        actor=actor,
        subject=ticket,
    )


def ticket_apologise(
    *, ticket: Ticket, actor, subject: str, body: str, expected_state: str | None = None
) -> Ticket:
    """Say sorry and own it. The message is sent as written and stored exactly as sent."""
    with locked_step(ticket, "apologise", expected_state) as (ticket, target):
        count = ticket.events.filter(kind=TicketEvent.Kind.APOLOGISED).count()
        message = customer_message(
            ticket, "apologise", actor, subject, body, f"apology:{count + 1}"
        )
        before = ticket.state
        if ticket.apologised_at is None:
            ticket.apologised_at = timezone.now()
        move_to(ticket, target, "apologised_at")
        log_event(
            ticket, TicketEvent.Kind.APOLOGISED, actor, before, target, **sent_payload(message)
        )
    return ticket


def _reassurance_check(cause, corrective_action, improvement, new_improvement_title) -> None:
    """A reassurance names the cause and the corrective action, linked to an improvement."""
    if not (cause or "").strip():
        raise DomainError(_("Say what caused it."), field="cause")
    if not (corrective_action or "").strip():
        raise DomainError(
            _("Name the corrective action: what was done so it will not happen again."),
            field="corrective_action",
        )
    if improvement is None and not (new_improvement_title or "").strip():
        raise DomainError(
            _("Link the corrective action to an improvement, or propose a new one."),
            field="improvement",
        )
    if improvement is not None and improvement.status == Improvement.Status.DECLINED:
        raise DomainError(
            _("That improvement was declined; link another or propose one."), field="improvement"
        )


def ticket_reassure(
    *,
    ticket: Ticket,
    actor,
    subject: str,
    body: str,
    cause: str,
    corrective_action: str,
    improvement: Improvement | None = None,
    new_improvement_title: str = "",
    expected_state: str | None = None,
) -> Ticket:
    """Say what caused it and what was done so it will not happen again. The corrective action
    is linked to an improvement (the "we did" record), an existing one or one proposed here."""
    _reassurance_check(cause, corrective_action, improvement, new_improvement_title)
    slots = step_slots(
        ticket, "reassurance", {"cause": cause, "corrective_action": corrective_action}
    )
    subject, body = fill(subject, **slots), fill(body, **slots)
    with locked_step(ticket, "reassure", expected_state) as (ticket, target):
        if improvement is None:
            improvement = Improvement.objects.create(
                title=" ".join(new_improvement_title.split())[:200],
                description=corrective_action.strip(),
                owner=actor,
            )
            improvement.topics.set(ticket.topics.all())
        ImprovementLink.objects.get_or_create(improvement=improvement, ticket=ticket)
        count = ticket.events.filter(kind=TicketEvent.Kind.REASSURED).count()
        message = customer_message(
            ticket, "reassure", actor, subject, body, f"reassurance:{count + 1}"
        )
        before = ticket.state
        move_to(ticket, target)
        log_event(
            ticket,
            TicketEvent.Kind.REASSURED,
            actor,
            before,
            target,
            cause=cause.strip(),
            corrective_action=corrective_action.strip(),
            improvement=improvement.pk,
            improvement_title=improvement.title,
            **sent_payload(message),
        )
    return ticket


def refuse_while_pending(ticket: Ticket, done: str) -> None:
    """A request waiting for a manager would be orphaned by resolving or closing."""
    if ticket.restitutions.filter(status=Restitution.Status.PENDING).exists():
        raise Conflict(
            _(
                "A restitution is waiting for a manager's approval: it must be decided or "
                "withdrawn before the ticket is %(done)s."
            )
            % {"done": _(done)},
            field="restitution",
        )


def ticket_resolve(
    *,
    ticket: Ticket,
    actor,
    note: str = "",
    no_restitution_reason: str = "",
    expected_state: str | None = None,
) -> Ticket:
    """Mark the incident resolved. Without a granted restitution, say why none is due. Schedules
    the "did we make it right?" follow-up."""
    with locked_step(ticket, "resolve", expected_state) as (ticket, target):
        refuse_while_pending(ticket, gettext_noop("resolved"))
        if ticket.state == State.REASSURED and not (no_restitution_reason or "").strip():
            raise DomainError(
                _(
                    "No restitution was given: say why none is due "
                    "(for example, the customer declined)."
                ),
                field="no_restitution_reason",
            )
        before = ticket.state
        ticket.resolved_at = timezone.now()
        ticket.follow_up = _schedule_follow_up(ticket, actor)
        move_to(ticket, target, "resolved_at", "follow_up")
        log_event(
            ticket,
            TicketEvent.Kind.RESOLVED,
            actor,
            before,
            target,
            note=(note or "").strip(),
            no_restitution_reason=(no_restitution_reason or "").strip(),
            **_follow_up_payload(ticket),
        )
        resolved = Phrase(gettext_noop("Recovery ticket #%(number)s resolved"), number=ticket.pk)
        on_timeline(ticket, "ticket.resolved", resolved, actor)
    return ticket


def _schedule_follow_up(ticket: Ticket, actor, at=None) -> Invitation | None:
    """The "did we make it right?" invitation of this resolution (one per resolution), due
    RECOVERY_FOLLOW_UP_DELAY_HOURS from now unless `at` says when; None without a live survey."""
    survey = follow_up_survey()
    if survey is None:
        return None
    rounds = ticket.events.filter(kind=TicketEvent.Kind.RESOLVED).count() + 1
    return invitation_create(
        survey=survey,
        customer=ticket.customer,
        scheduled_for=at
        or timezone.now() + timedelta(hours=settings.RECOVERY_FOLLOW_UP_DELAY_HOURS),
        dedupe_key=f"{ticket.hold_reference}:follow-up:{rounds}",
        message_kind=Message.Kind.REPLY,
        actor=actor,
    )


def _follow_up_payload(ticket: Ticket) -> dict:
    """For the resolution's log entry: when the follow-up will go, or why none will."""
    if ticket.follow_up is None:
        return {"follow_up": None, "follow_up_missing": NO_FOLLOW_UP_SURVEY}
    return {
        "follow_up": ticket.follow_up_id,
        "follow_up_survey": ticket.follow_up.survey.name,
        "follow_up_at": ticket.follow_up.scheduled_for.isoformat(),
    }


def ticket_follow_up_sent(*, ticket: Ticket, actor=None) -> Ticket:
    """Note that the follow-up went out (the sweep calls this, or staff sending it now)."""
    with locked_step(ticket, "send_follow_up") as (ticket, target):
        before = ticket.state
        move_to(ticket, target)
        log_event(
            ticket,
            TicketEvent.Kind.FOLLOW_UP_SENT,
            actor,
            before,
            target,
            invitation=ticket.follow_up_id,
        )
    return ticket


def ticket_follow_up_now(*, ticket: Ticket, actor, expected_state: str | None = None) -> Ticket:
    """Staff send the "did we make it right?" follow-up now instead of waiting for its time. A
    resolution that found no live survey gets one scheduled now, if one is live since."""
    with locked_step(ticket, "send_follow_up", expected_state) as (ticket, _target):
        invitation = ticket.follow_up
        if invitation is None or invitation.status not in (
            Invitation.Status.SCHEDULED,
            Invitation.Status.SENT,
        ):
            invitation = _schedule_follow_up(ticket, actor, at=timezone.now())
            if invitation is None:
                raise DomainError(f"Nothing can be sent: {NO_FOLLOW_UP_SURVEY}.")
            ticket.follow_up = invitation
            ticket.save(update_fields=["follow_up", "updated_at"])
        invitation = invitation_send_now(invitation=invitation)
    if invitation.status != Invitation.Status.SENT:
        raise Conflict(
            _("The follow-up was not sent: %(why)s.")
            % {"why": invitation.reason or invitation.get_status_display()}
        )
    return ticket_follow_up_sent(ticket=ticket, actor=actor)


def ticket_close(
    *,
    ticket: Ticket,
    actor,
    reason: str = "",
    recovered: bool | None = None,
    expected_state: str | None = None,
) -> Ticket:
    """Close. Before resolution (a duplicate, a withdrawn complaint) only with a written reason.
    Surveys to the customer resume."""
    with locked_step(ticket, "close", expected_state) as (ticket, target):
        refuse_while_pending(ticket, gettext_noop("closed"))
        if (
            ticket.state not in (State.RESOLVED, State.FOLLOW_UP_SENT)
            and not (reason or "").strip()
        ):
            raise DomainError(_("Closing before resolution needs a reason."), field="reason")
        before = ticket.state
        ticket.closed_at = timezone.now()
        fields = ["closed_at"]
        if recovered is not None:
            ticket.recovered = recovered
            fields.append("recovered")
        move_to(ticket, target, *fields)
        log_event(
            ticket,
            TicketEvent.Kind.CLOSED,
            actor,
            before,
            target,
            reason=(reason or "").strip(),
            recovered=recovered,
        )
        hold_release(customer=ticket.customer, reference=ticket.hold_reference, actor=actor)
        closed = Phrase(gettext_noop("Recovery ticket #%(number)s closed"), number=ticket.pk)
        on_timeline(ticket, "ticket.closed", closed, actor, reason)
        if recovered:
            timeline_record(
                customer=ticket.customer,
                kind="ticket.recovered",
                title=Phrase(
                    gettext_noop("Recovered: said we made it right (ticket #%(number)s)"),
                    number=ticket.pk,
                ),
                channel=Channel.SYSTEM,
                subject=ticket,
            )
    return ticket


def ticket_reopen(
    *, ticket: Ticket, actor, reason: str, expected_state: str | None = None
) -> Ticket:
    """Back to work: the customer is not satisfied. The assignee is told; surveys pause again."""
    if not (reason or "").strip():
        raise DomainError(_("Say why the ticket is reopened."), field="reason")
    with locked_step(ticket, "reopen", expected_state) as (ticket, target):
        before = ticket.state
        ticket.closed_at = None
        move_to(ticket, target, "closed_at")
        log_event(ticket, TicketEvent.Kind.REOPENED, actor, before, target, reason=reason.strip())
        reopened = Phrase(gettext_noop("Recovery ticket #%(number)s reopened"), number=ticket.pk)
        on_timeline(ticket, "ticket.reopened", reopened, actor, reason)
        hold_place(
            customer=ticket.customer,
            reference=ticket.hold_reference,
            reason=Phrase(gettext_noop("recovery ticket #%(number)s is open"), number=ticket.pk),
            actor=actor,
        )
        ticket_mail(ticket.assignee, ticket, "reopened", f"Reopened: {reason.strip()}")
    return ticket


def ticket_skip(
    *, ticket: Ticket, actor, step: str, reason: str, expected_state: str | None = None
) -> Ticket:
    """A manager moves past a step without doing it, with a written reason that is recorded."""
    if step not in SKIPPABLE:
        raise DomainError(f"Only {', '.join(SKIPPABLE)} can be skipped.", field="step")
    if actor is None or not actor.has_perm("recovery.skip_step"):
        raise NotAllowed(_("Only a manager can skip a step."))
    if not (reason or "").strip():
        raise DomainError(_("Skipping a step needs a written reason."), field="reason")
    with locked_step(ticket, step, expected_state) as (ticket, target):
        before = ticket.state
        move_to(ticket, target)
        log_event(
            ticket,
            TicketEvent.Kind.SKIPPED,
            actor,
            before,
            target,
            step=step,
            reason=reason.strip(),
        )
    return ticket
