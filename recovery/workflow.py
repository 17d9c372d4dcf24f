"""The ticket workflow, declared once: the states, and which step leads from which state.

apology → reassurance → restitution → resolved → follow-up → closed, in that order. Every step is
one function below; each runs in a transaction, re-reads the ticket with select_for_update, checks
this table, writes a TicketEvent and returns the ticket. The states themselves are declared in
recovery.models (State), where the Ticket's field needs them.
"""

import contextlib
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from feedback_app.customers.models import Channel, Message
from feedback_app.customers.outbox import message_send
from feedback_app.customers.services import hold_place, hold_release, timeline_record
from feedback_app.errors import Conflict, DomainError
from recovery.models import (
    OPEN_STATES,
    ApprovalLimit,
    Improvement,
    ImprovementLink,
    Restitution,
    State,
    Ticket,
    TicketEvent,
)
from recovery.services import ticket_event

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


# --- Steps ---------------------------------------------------------------------------------------
# Each step: one transaction, the ticket re-read with select_for_update, the table checked, the
# change applied, a TicketEvent written, messages to the customer sent through the outbox (after
# commit), and the ticket returned.


class NotAllowed(DomainError):
    """The actor's role does not allow this."""

    http_status = 403


SKIPPABLE = ("apologise", "reassure", "offer_restitution")
MESSAGE_PURPOSE = {
    "apologise": "ticket.apology",
    "reassure": "ticket.reassurance",
    "offer_restitution": "ticket.restitution",
}


@contextlib.contextmanager
def _step(ticket: Ticket, step: str, expected_state: str | None = None):
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
                f"Someone else changed this ticket while you were working on it: it is now "
                f"{State(locked.state).label.lower()}. Reload it to see what happened.",
                allowed=allowed_steps(locked.state),
            )
        yield locked, check(step, locked.state)


def _event(
    ticket: Ticket, kind: str, actor, from_state: str = "", to_state: str = "", **payload
) -> TicketEvent:
    """The steps' short form of services.ticket_event (positional states)."""
    return ticket_event(
        ticket=ticket, kind=kind, actor=actor, from_state=from_state, to_state=to_state, **payload
    )


def _move(ticket: Ticket, target: str, *extra_fields: str) -> None:
    ticket.state = target
    ticket.save(update_fields=["state", "updated_at", *extra_fields])


def _on_timeline(ticket: Ticket, kind: str, title: str, actor, body: str = "") -> None:
    timeline_record(
        customer=ticket.customer,
        kind=kind,
        title=title,
        body=(body or "").strip(),
        channel=Channel.STAFF if actor else Channel.SYSTEM,
        actor=actor,
        subject=ticket,
    )


def _message(ticket: Ticket, step: str, actor, subject: str, body: str, key: str) -> Message:
    if not (subject or "").strip():
        raise DomainError("The message needs a subject.", field="subject")
    if not (body or "").strip():
        raise DomainError("The message to the customer is empty.", field="body")
    return message_send(
        customer=ticket.customer,
        kind=Message.Kind.REPLY,
        purpose=MESSAGE_PURPOSE[step],
        subject=subject.strip(),
        body_text=body.strip(),
        channel=ticket.customer.preferred_channel
        if ticket.customer.preferred_channel == "email"
        else "email",
        thread=ticket.hold_reference,
        dedupe_key=f"{ticket.hold_reference}:{key}",
        about=ticket,
        actor=actor,
    )


def _sent(message: Message) -> dict:
    return {
        "message": message.pk,
        "subject": message.subject,
        "body": message.body_text,
        "delivery": message.status,
        "reason": message.reason,
    }


def ticket_apologise(
    *, ticket: Ticket, actor, subject: str, body: str, expected_state: str | None = None
) -> Ticket:
    """Say sorry and own it. The message is sent as written and stored exactly as sent."""
    with _step(ticket, "apologise", expected_state) as (ticket, target):
        count = ticket.events.filter(kind="apologised").count()
        message = _message(ticket, "apologise", actor, subject, body, f"apology:{count + 1}")
        before = ticket.state
        if ticket.apologised_at is None:
            ticket.apologised_at = timezone.now()
        _move(ticket, target, "apologised_at")
        _event(ticket, "apologised", actor, before, target, **_sent(message))
    return ticket


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
    if not (cause or "").strip():
        raise DomainError("Say what caused it.", field="cause")
    if not (corrective_action or "").strip():
        raise DomainError(
            "Name the corrective action: what was done so it will not happen again.",
            field="corrective_action",
        )
    if improvement is None and not (new_improvement_title or "").strip():
        raise DomainError(
            "Link the corrective action to an improvement, or propose a new one.",
            field="improvement",
        )
    if improvement is not None and improvement.status == Improvement.Status.DECLINED:
        raise DomainError(
            "That improvement was declined; link another or propose one.", field="improvement"
        )
    with _step(ticket, "reassure", expected_state) as (ticket, target):
        if improvement is None:
            improvement = Improvement.objects.create(
                title=" ".join(new_improvement_title.split())[:200],
                description=corrective_action.strip(),
                owner=actor,
            )
            improvement.topics.set(ticket.topics.all())
        ImprovementLink.objects.get_or_create(improvement=improvement, ticket=ticket)
        count = ticket.events.filter(kind="reassured").count()
        message = _message(ticket, "reassure", actor, subject, body, f"reassurance:{count + 1}")
        before = ticket.state
        _move(ticket, target)
        _event(
            ticket,
            "reassured",
            actor,
            before,
            target,
            cause=cause.strip(),
            corrective_action=corrective_action.strip(),
            improvement=improvement.pk,
            improvement_title=improvement.title,
            **_sent(message),
        )
    return ticket


def _amount(kind: str, amount, currency: str, item: str) -> tuple[Decimal | None, str]:
    currency = (currency or "").strip().upper()
    if amount in (None, ""):
        if kind in Restitution.MONEY_KINDS:
            raise DomainError(
                f"A {Restitution.Kind(kind).label.lower()} needs an amount.", field="amount"
            )
        if not (item or "").strip():
            raise DomainError("Say what the customer gets.", field="item")
        return None, ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{amount!r} is not an amount of money.", field="amount") from None
    if not value.is_finite() or value <= 0:
        raise DomainError("The amount must be more than zero.", field="amount")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError("The amount has at most two decimal places.", field="amount")
    if value > settings.RESTITUTION_MAX_AMOUNT:
        raise DomainError(
            f"No single restitution above {settings.RESTITUTION_MAX_AMOUNT:,}.", field="amount"
        )
    known = list(ApprovalLimit.objects.values_list("currency", flat=True))
    if currency not in known:
        raise DomainError(
            f"{currency or 'No currency'} is not a currency we pay in ({', '.join(known)}).",
            field="currency",
        )
    return value, currency


def _over_limit(actor, ticket: Ticket, value: Decimal | None, currency: str) -> str:
    """Why this offer needs a manager ("" when the actor may grant it alone).

    An agent's limit holds for what a ticket gets in total, and (when set) for what one customer
    gets over the rolling period: offering at the limit, resolving, reopening and offering again
    must not multiply it."""
    if value is None or (actor is not None and actor.has_perm("recovery.approve_restitution")):
        return ""
    limit = ApprovalLimit.objects.get(currency=currency)
    granted = Restitution.objects.filter(
        status=Restitution.Status.GRANTED, currency=currency, amount__isnull=False
    )
    on_ticket = granted.filter(ticket=ticket).aggregate(total=Sum("amount"))["total"] or 0
    if on_ticket + value > limit.agent_limit:
        return (
            f"{currency} {on_ticket + value:,.2f} on this ticket in total is above the agent "
            f"limit of {limit.agent_limit:,.2f}"
        )
    if limit.customer_limit is not None:
        since = timezone.now() - timedelta(days=settings.RESTITUTION_CUSTOMER_PERIOD_DAYS)
        to_customer = (
            granted.filter(ticket__customer_id=ticket.customer_id, created_at__gte=since).aggregate(
                total=Sum("amount")
            )["total"]
            or 0
        )
        if to_customer + value > limit.customer_limit:
            return (
                f"{currency} {to_customer + value:,.2f} to this customer in "
                f"{settings.RESTITUTION_CUSTOMER_PERIOD_DAYS} days is above the limit of "
                f"{limit.customer_limit:,.2f}"
            )
    return ""


def ticket_offer_restitution(
    *,
    ticket: Ticket,
    actor,
    kind: str,
    subject: str,
    body: str,
    amount=None,
    currency: str = "",
    item: str = "",
    note: str = "",
    expected_state: str | None = None,
) -> Restitution:
    """Give something back. Within the actor's limit it is granted and the customer told at
    once; above it, it waits for a manager (the ticket stays reassured) and the notice goes out
    on approval."""
    if kind not in Restitution.Kind.values:
        raise DomainError(f"Unknown kind of restitution {kind!r}.", field="kind")
    value, currency = _amount(kind, amount, currency, item)
    if not (body or "").strip():
        raise DomainError("The message to the customer is empty.", field="body")
    with _step(ticket, "offer_restitution", expected_state) as (ticket, target):
        if ticket.restitutions.filter(status=Restitution.Status.PENDING).exists():
            raise Conflict("A restitution for this ticket is already waiting for approval.")
        over = _over_limit(actor, ticket, value, currency)
        restitution = Restitution.objects.create(
            ticket=ticket,
            kind=kind,
            amount=value,
            currency=currency,
            item=(item or "").strip()[:200],
            note=(note or "").strip(),
            status=Restitution.Status.PENDING if over else Restitution.Status.GRANTED,
            requested_by=actor,
            notice_subject=(subject or "").strip()[:300],
            notice_body=body.strip(),
        )
        if restitution.status == Restitution.Status.PENDING:
            _event(
                ticket,
                "restitution_requested",
                actor,
                restitution=restitution.pk,
                summary=restitution.summary,
                why=over,
            )
            return restitution
        _grant(ticket, restitution, actor, target)
    return restitution


def _grant(ticket: Ticket, restitution: Restitution, actor, target: str) -> None:
    message = _message(
        ticket,
        "offer_restitution",
        actor,
        restitution.notice_subject,
        restitution.notice_body,
        f"restitution:{restitution.pk}",
    )
    before = ticket.state
    _move(ticket, target)
    _event(
        ticket,
        "restitution_offered",
        actor,
        before,
        target,
        restitution=restitution.pk,
        summary=restitution.summary,
        **_sent(message),
    )


def restitution_decide(
    *, restitution: Restitution, actor, approve: bool, reason: str = ""
) -> Restitution:
    """A manager approves (the customer is told) or rejects (with a reason) a pending one."""
    if actor is None or not actor.has_perm("recovery.approve_restitution"):
        raise NotAllowed("Only a manager can approve or reject restitution above the agent limit.")
    if not approve and not (reason or "").strip():
        raise DomainError("Say why it is rejected.", field="reason")
    with transaction.atomic():
        restitution = Restitution.objects.select_for_update().get(pk=restitution.pk)
        if restitution.status != Restitution.Status.PENDING:
            raise Conflict(
                f"This restitution was already {restitution.get_status_display().lower()}."
            )
        restitution.decided_by, restitution.decided_at = actor, timezone.now()
        restitution.decision_reason = (reason or "").strip()
        if approve:
            with _step(restitution.ticket, "offer_restitution") as (ticket, target):
                restitution.status = Restitution.Status.GRANTED
                restitution.save(
                    update_fields=["status", "decided_by", "decided_at", "decision_reason"]
                )
                _event(
                    ticket,
                    "restitution_approved",
                    actor,
                    restitution=restitution.pk,
                    reason=restitution.decision_reason,
                )
                _grant(ticket, restitution, actor, target)
        else:
            restitution.status = Restitution.Status.REJECTED
            restitution.save(
                update_fields=["status", "decided_by", "decided_at", "decision_reason"]
            )
            _event(
                restitution.ticket,
                "restitution_rejected",
                actor,
                restitution=restitution.pk,
                reason=restitution.decision_reason,
            )
    return restitution


def restitution_withdraw(*, restitution: Restitution, actor, reason: str = "") -> Restitution:
    """Take back a request that waits for approval (the customer was never told of it), so the
    ticket can be resolved or offered something else."""
    with transaction.atomic():
        restitution = Restitution.objects.select_for_update().get(pk=restitution.pk)
        if restitution.status != Restitution.Status.PENDING:
            raise Conflict(
                f"This restitution was already {restitution.get_status_display().lower()}."
            )
        restitution.status = Restitution.Status.WITHDRAWN
        restitution.decided_by, restitution.decided_at = actor, timezone.now()
        restitution.decision_reason = (reason or "").strip()
        restitution.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        _event(
            restitution.ticket,
            "restitution_withdrawn",
            actor,
            restitution=restitution.pk,
            reason=restitution.decision_reason,
        )
    return restitution


def _refuse_while_pending(ticket: Ticket, done: str) -> None:
    """A request waiting for a manager would be orphaned by resolving or closing."""
    if ticket.restitutions.filter(status=Restitution.Status.PENDING).exists():
        raise Conflict(
            f"A restitution is waiting for a manager's approval: it must be decided or "
            f"withdrawn before the ticket is {done}.",
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
    with _step(ticket, "resolve", expected_state) as (ticket, target):
        _refuse_while_pending(ticket, "resolved")
        if ticket.state == State.REASSURED and not (no_restitution_reason or "").strip():
            raise DomainError(
                "No restitution was given: say why none is due "
                "(for example, the customer declined).",
                field="no_restitution_reason",
            )
        before = ticket.state
        ticket.resolved_at = timezone.now()
        ticket.follow_up = _schedule_follow_up(ticket, actor)
        _move(ticket, target, "resolved_at", "follow_up")
        _event(
            ticket,
            "resolved",
            actor,
            before,
            target,
            note=(note or "").strip(),
            no_restitution_reason=(no_restitution_reason or "").strip(),
            follow_up=ticket.follow_up_id,
        )
        _on_timeline(ticket, "ticket.resolved", f"Recovery ticket #{ticket.pk} resolved", actor)
    return ticket


def _schedule_follow_up(ticket: Ticket, actor):
    from datetime import timedelta

    from surveys.models import Survey
    from surveys.services.invitations import invitation_create

    survey = (
        Survey.objects.filter(purpose=Survey.Purpose.RECOVERY_FOLLOW_UP, status=Survey.Status.LIVE)
        .order_by("-created_at")
        .first()
    )
    if survey is None:
        return None
    rounds = ticket.events.filter(kind="resolved").count() + 1
    return invitation_create(
        survey=survey,
        customer=ticket.customer,
        scheduled_for=timezone.now() + timedelta(hours=settings.RECOVERY_FOLLOW_UP_DELAY_HOURS),
        dedupe_key=f"{ticket.hold_reference}:follow-up:{rounds}",
        message_kind=Message.Kind.REPLY,
        actor=actor,
    )


def ticket_follow_up_sent(*, ticket: Ticket) -> Ticket:
    """The system notes that the follow-up went out (the sweep calls this)."""
    with _step(ticket, "send_follow_up") as (ticket, target):
        before = ticket.state
        _move(ticket, target)
        _event(ticket, "follow_up_sent", None, before, target, invitation=ticket.follow_up_id)
    return ticket


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
    with _step(ticket, "close", expected_state) as (ticket, target):
        _refuse_while_pending(ticket, "closed")
        if (
            ticket.state not in (State.RESOLVED, State.FOLLOW_UP_SENT)
            and not (reason or "").strip()
        ):
            raise DomainError("Closing before resolution needs a reason.", field="reason")
        before = ticket.state
        ticket.closed_at = timezone.now()
        fields = ["closed_at"]
        if recovered is not None:
            ticket.recovered = recovered
            fields.append("recovered")
        _move(ticket, target, *fields)
        _event(
            ticket,
            "closed",
            actor,
            before,
            target,
            reason=(reason or "").strip(),
            recovered=recovered,
        )
        hold_release(customer=ticket.customer, reference=ticket.hold_reference, actor=actor)
        _on_timeline(ticket, "ticket.closed", f"Recovery ticket #{ticket.pk} closed", actor, reason)
        if recovered:
            timeline_record(
                customer=ticket.customer,
                kind="ticket.recovered",
                title=f"Recovered: said we made it right (ticket #{ticket.pk})",
                channel=Channel.SYSTEM,
                subject=ticket,
            )
    return ticket


def ticket_reopen(
    *, ticket: Ticket, actor, reason: str, expected_state: str | None = None
) -> Ticket:
    """Back to work: the customer is not satisfied. The assignee is told; surveys pause again."""
    if not (reason or "").strip():
        raise DomainError("Say why the ticket is reopened.", field="reason")
    with _step(ticket, "reopen", expected_state) as (ticket, target):
        before = ticket.state
        ticket.closed_at = None
        _move(ticket, target, "closed_at")
        _event(ticket, "reopened", actor, before, target, reason=reason.strip())
        _on_timeline(
            ticket, "ticket.reopened", f"Recovery ticket #{ticket.pk} reopened", actor, reason
        )
        hold_place(
            customer=ticket.customer,
            reference=ticket.hold_reference,
            reason=f"recovery ticket #{ticket.pk} is open",
            actor=actor,
        )
        if ticket.assignee and ticket.assignee.email:
            _notify_staff(
                [ticket.assignee.email],
                f"Ticket #{ticket.pk} reopened",
                f"{ticket.subject}\n\nReopened: {reason.strip()}\n\n"
                f"{settings.SITE_URL}{ticket.get_absolute_url()}",
            )
    return ticket


def ticket_skip(
    *, ticket: Ticket, actor, step: str, reason: str, expected_state: str | None = None
) -> Ticket:
    """A manager moves past a step without doing it, with a written reason that is recorded."""
    if step not in SKIPPABLE:
        raise DomainError(f"Only {', '.join(SKIPPABLE)} can be skipped.", field="step")
    if actor is None or not actor.has_perm("recovery.skip_step"):
        raise NotAllowed("Only a manager can skip a step.")
    if not (reason or "").strip():
        raise DomainError("Skipping a step needs a written reason.", field="reason")
    with _step(ticket, step, expected_state) as (ticket, target):
        before = ticket.state
        _move(ticket, target)
        _event(ticket, "skipped", actor, before, target, step=step, reason=reason.strip())
    return ticket


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


def _notify_staff(recipients: list[str], subject: str, body: str) -> None:
    """Internal notices to staff go straight to Django's mail (not the customer outbox)."""
    transaction.on_commit(
        lambda: send_mail(
            subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True
        )
    )


def sla_breach(*, ticket: Ticket, now=None) -> Ticket:
    """Mark a missed SLA target once: raise the priority a step and tell the team's manager
    (every manager when the ticket has no team)."""
    from django.contrib.auth import get_user_model

    from recovery.models import Priority

    now = now or timezone.now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("team__manager")
            .get(pk=ticket.pk)
        )
        if ticket.breached:
            return ticket
        missed = (
            "apology"
            if ticket.apologised_at is None
            and ticket.apology_due_at
            and ticket.apology_due_at < now
            else "resolution"
        )
        before = ticket.priority
        ticket.breached = True
        ticket.priority = min(Priority.URGENT, ticket.priority + 1)
        ticket.save(update_fields=["breached", "priority", "updated_at"])
        _event(
            ticket,
            "sla_breached",
            None,
            missed=missed,
            priority_before=before,
            priority_after=ticket.priority,
        )
        if ticket.team and ticket.team.manager and ticket.team.manager.email:
            recipients = [ticket.team.manager.email]
        else:
            recipients = list(
                get_user_model()
                .objects.filter(groups__name="Manager", is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
            )
        if recipients:
            _notify_staff(
                recipients,
                f"SLA missed on ticket #{ticket.pk}: {missed} overdue",
                f"{ticket.subject}\n\nThe {missed} was due and has not happened. "
                f"Priority raised to {ticket.get_priority_display().lower()}.\n\n"
                f"{settings.SITE_URL}{ticket.get_absolute_url()}",
            )
    return ticket
