"""Restitution: offering something back (the workflow's third step), within the approval
limits, and the manager's decision or the withdrawal of a request that waits for one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_app.core.errors import Conflict, DomainError, NotAllowed
from feedback_app.core.formatting import money
from recovery.canned import fill, step_slots
from recovery.models import ApprovalLimit, Restitution, StaffNotice, Ticket, TicketEvent
from recovery.services.messages import customer_message, sent_payload
from recovery.services.notices import approvers, staff_notice
from recovery.services.workflow import locked_step, log_event, move_to


def _amount(kind: str, amount, currency: str, item: str) -> tuple[Decimal | None, str]:
    currency = (currency or "").strip().upper()
    if amount in (None, ""):
        if kind in Restitution.MONEY_KINDS:
            raise DomainError(
                _("A %(kind)s needs an amount.")
                % {"kind": str(Restitution.Kind(kind).label).lower()},
                field="amount",
            )
        if not (item or "").strip():
            raise DomainError(_("Say what the customer gets."), field="item")
        return None, ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("%(amount)s is not an amount of money.") % {"amount": repr(amount)}, field="amount"
        ) from None
    if not value.is_finite() or value <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(_("The amount has at most two decimal places."), field="amount")
    if value > settings.RESTITUTION_MAX_AMOUNT:
        raise DomainError(
            _("No single restitution above %(most)s.")
            % {"most": f"{settings.RESTITUTION_MAX_AMOUNT:,}"},
            field="amount",
        )
    known = list(ApprovalLimit.objects.values_list("currency", flat=True))
    if not currency:
        raise DomainError(
            _("Give the amount's currency (%(known)s).") % {"known": ", ".join(known)},
            field="currency",
        )
    if currency not in known:
        raise DomainError(
            _("%(currency)s is not a currency we pay in (%(known)s).")
            % {"currency": currency, "known": ", ".join(known)},
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


def allowance(actor, ticket: Ticket, limits=None) -> str:
    """What `actor` may still give on this ticket without a manager, in words, for the form."""
    if actor is not None and actor.has_perm("recovery.approve_restitution"):
        return _("You approve restitution yourself: no limit applies.")
    limits = list(ApprovalLimit.objects.all()) if limits is None else limits
    granted = dict(
        Restitution.objects.filter(
            ticket=ticket, status=Restitution.Status.GRANTED, amount__isnull=False
        )
        .values_list("currency")
        .annotate(total=Sum("amount"))
    )
    parts = [
        money(max(limit.agent_limit - granted.get(limit.currency, 0), 0), limit.currency)
        for limit in limits
    ]
    if not parts:
        return ""
    return _(
        "On your own you can give up to %(amounts)s more on this ticket (the per-ticket limit, "
        "less what it has had); above that a manager approves before the customer hears."
    ) % {"amounts": ", ".join(parts)}


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
    template: int | None = None,
    expected_state: str | None = None,
) -> Restitution:
    """Give something back. Within the actor's limit it is granted and the customer told at
    once; above it, it waits for a manager (the ticket stays reassured) and the notice goes out
    on approval."""
    if kind not in Restitution.Kind.values:
        raise DomainError(f"Unknown kind of restitution {kind!r}.", field="kind")
    value, currency = _amount(kind, amount, currency, item)
    fields = {"kind": kind, "amount": value, "currency": currency, "item": item, "note": note}
    slots = step_slots(ticket, "restitution", {**fields, "template": template})
    subject, body = fill(subject, **slots), fill(body, **slots)
    if not (body or "").strip():
        raise DomainError(_("The message to the customer is empty."), field="body")
    with locked_step(ticket, "offer_restitution", expected_state) as (ticket, target):
        if ticket.restitutions.filter(status=Restitution.Status.PENDING).exists():
            raise Conflict(_("A restitution for this ticket is already waiting for approval."))
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
            _ask_approval(ticket, restitution, actor, over)
            return restitution
        _grant(ticket, restitution, actor, target)
    return restitution


def _ask_approval(ticket: Ticket, restitution: Restitution, actor, over: str) -> None:
    """Log the request and tell each manager who may approve it."""
    log_event(
        ticket,
        TicketEvent.Kind.RESTITUTION_REQUESTED,
        actor,
        restitution=restitution.pk,
        summary=restitution.recorded_summary,
        why=over,
    )
    for manager in approvers(ticket):
        staff_notice(
            user=manager,
            kind=StaffNotice.Kind.APPROVAL_WAITING,
            ticket=ticket,
            text=f"{restitution.recorded_summary} waits for your approval ({over})",
            key=f"approval:{restitution.pk}",
        )


def _grant(ticket: Ticket, restitution: Restitution, actor, target: str) -> None:
    message = customer_message(
        ticket,
        "offer_restitution",
        actor,
        restitution.notice_subject,
        restitution.notice_body,
        f"restitution:{restitution.pk}",
    )
    before = ticket.state
    move_to(ticket, target)
    log_event(
        ticket,
        TicketEvent.Kind.RESTITUTION_OFFERED,
        actor,
        before,
        target,
        restitution=restitution.pk,
        summary=restitution.recorded_summary,
        **sent_payload(message),
    )


def restitution_decide(
    *, restitution: Restitution, actor, approve: bool, reason: str = ""
) -> Restitution:
    """A manager approves (the customer is told) or rejects (with a reason) a pending one."""
    if actor is None or not actor.has_perm("recovery.approve_restitution"):
        raise NotAllowed(
            _("Only a manager can approve or reject restitution above the agent limit.")
        )
    if not approve and not (reason or "").strip():
        raise DomainError(_("Say why it is rejected."), field="reason")
    with transaction.atomic():
        restitution = Restitution.objects.select_for_update().get(pk=restitution.pk)
        if restitution.status != Restitution.Status.PENDING:
            raise Conflict(
                _("This restitution was already %(status)s.")
                % {"status": restitution.get_status_display().lower()}
            )
        restitution.decided_by, restitution.decided_at = actor, timezone.now()
        restitution.decision_reason = (reason or "").strip()
        if restitution.requested_by_id and restitution.requested_by_id != actor.pk:
            verdict = "approved" if approve else f"rejected: {restitution.decision_reason}"
            staff_notice(
                user=restitution.requested_by,
                kind=StaffNotice.Kind.DECIDED,
                ticket=restitution.ticket,
                text=f"your request for {restitution.recorded_summary} was {verdict}",
                key=f"decided:{restitution.pk}",
            )
        if approve:
            with locked_step(restitution.ticket, "offer_restitution") as (ticket, target):
                restitution.status = Restitution.Status.GRANTED
                restitution.save(
                    update_fields=["status", "decided_by", "decided_at", "decision_reason"]
                )
                log_event(
                    ticket,
                    TicketEvent.Kind.RESTITUTION_APPROVED,
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
            log_event(
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
                _("This restitution was already %(status)s.")
                % {"status": restitution.get_status_display().lower()}
            )
        restitution.status = Restitution.Status.WITHDRAWN
        restitution.decided_by, restitution.decided_at = actor, timezone.now()
        restitution.decision_reason = (reason or "").strip()
        restitution.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        log_event(
            restitution.ticket,
            "restitution_withdrawn",
            actor,
            restitution=restitution.pk,
            reason=restitution.decision_reason,
        )
    return restitution
