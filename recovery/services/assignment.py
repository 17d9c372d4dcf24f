"""Working tickets from the staff pages and the API: assignment, internal notes, and the
queue's bulk actions."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from feedback_app.core.errors import DomainError
from feedback_app.core.roles import is_person
from recovery.models import StaffNotice, Ticket, TicketEvent
from recovery.services.log import ticket_event
from recovery.services.notices import staff_notice
from recovery.services.workflow import ticket_close


def ticket_assign(*, ticket: Ticket, actor, assignee=None, team=None) -> Ticket:
    """Give the ticket to a person and/or a team (None clears). Recorded on the ticket's log.

    Only people who work tickets can hold one: not integration accounts, not logins without a
    role, not deactivated ones."""
    if assignee is not None and not is_person(assignee):
        raise DomainError(
            _("%(person)s does not work tickets: choose an agent or a manager.")
            % {"person": assignee.get_username()},
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
            event = ticket_event(
                ticket=ticket, kind=TicketEvent.Kind.ASSIGNED, actor=actor, **changes
            )
            if "assignee" in changes and assignee is not None and assignee != actor:
                by = f" by {actor.get_username()}" if actor else ""
                staff_notice(
                    user=assignee,
                    kind=StaffNotice.Kind.ASSIGNED,
                    ticket=ticket,
                    text=f"given to you{by}",
                    key=f"assigned:{event.pk}",
                )
    return ticket


def ticket_note(*, ticket: Ticket, actor, text: str) -> TicketEvent:
    """An internal note: on the ticket's log, never sent to the customer."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("The note is empty."), field="text")
    return ticket_event(ticket=ticket, kind=TicketEvent.Kind.NOTE, actor=actor, text=text[:5000])


def tickets_bulk(
    *, ticket_ids: list[int], actor, action: str, assignee=None, reason: str = ""
) -> tuple[int, list[str]]:
    """Assign or close many tickets; each one on its own, so one refusal does not stop the rest.
    Returns (done, problems)."""
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
