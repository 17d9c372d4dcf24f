"""SLA: due times from a ticket's priority in business hours, and a missed target marked once
(the priority goes up a step and the team's manager is told)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from recovery.business_hours import add_business_hours
from recovery.models import Priority, SlaTarget, Ticket, TicketEvent
from recovery.services.log import staff_notify, ticket_event


def sla_targets() -> dict[int, SlaTarget]:
    """Every priority's target, read once for a batch of tickets."""
    return {target.priority: target for target in SlaTarget.objects.all()}


def sla_apply(
    ticket: Ticket, targets: dict[int, SlaTarget] | None = None, known: dict | None = None
) -> None:
    """Set the apology and resolution due times from the ticket's priority (not saved); from
    `targets` (sla_targets()) when given, else read for this one ticket. A batch opened at one
    moment passes one dict as `known`: each due time is counted once for all of them."""
    if targets is not None:
        target = targets.get(ticket.priority)
    else:
        target = SlaTarget.objects.filter(priority=ticket.priority).first()
    if target is None:
        return
    start = ticket.opened_at or timezone.now()
    known = {} if known is None else known
    for field, hours in (
        ("apology_due_at", target.apology_hours),
        ("resolution_due_at", target.resolution_hours),
    ):
        if (start, hours) not in known:
            known[(start, hours)] = add_business_hours(start, hours)
        setattr(ticket, field, known[(start, hours)])


def answer_due(ticket: Ticket, now=None):
    """When the customer can expect our next answer: the apology's due time while none was
    sent, else the apology's target counted from now (business hours); None without targets."""
    if ticket.apologised_at is None and ticket.apology_due_at is not None:
        return ticket.apology_due_at
    target = SlaTarget.objects.filter(priority=ticket.priority).first()
    return add_business_hours(now or timezone.now(), target.apology_hours) if target else None


def sla_breach(*, ticket: Ticket, now=None) -> Ticket:
    """Mark a missed SLA target once: raise the priority a step and tell the team's manager
    (every manager when the ticket has no team)."""
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
        ticket_event(
            ticket=ticket,
            kind=TicketEvent.Kind.SLA_BREACHED,
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
            staff_notify(
                recipients,
                f"SLA missed on ticket #{ticket.pk}: {missed} overdue",
                f"{ticket.subject}\n\nThe {missed} was due and has not happened. "
                f"Priority raised to {ticket.get_priority_display().lower()}.\n\n"
                f"{settings.SITE_URL}{ticket.get_absolute_url()}",
            )
    return ticket
