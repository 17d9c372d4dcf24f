"""Routing a new ticket: a team from the managers' rules (the first active rule whose
conditions hold), then a person within the team as the team assigns (in turn, or the fewest
open tickets), among its members who take tickets now. Both are explained on the ticket's log."""

from __future__ import annotations

from django.db.models import Count, Q

from feedback_app.core.roles import people
from recovery.models import (
    OPEN_STATES,
    Availability,
    RoutingRule,
    StaffNotice,
    Team,
    Ticket,
    TicketEvent,
)
from recovery.services.log import ticket_event
from recovery.services.notices import staff_notice


def active_rules() -> list[RoutingRule]:
    """The active rules in the order they are tried; read once for a batch of tickets."""
    return list(RoutingRule.objects.filter(active=True).select_related("team", "topic"))


def rule_for(
    ticket: Ticket, channel: str, rules: list[RoutingRule] | None = None
) -> RoutingRule | None:
    """The first active rule (by position) whose every condition holds for the ticket; among
    `rules` (active_rules()) when given."""
    for rule in active_rules() if rules is None else rules:
        if rule.topic_id and rule.topic_id != ticket.main_topic_id:
            continue
        if rule.channel and rule.channel != channel:
            continue
        if rule.value_tier and rule.value_tier != ticket.customer.value_tier:
            continue
        if rule.min_priority and ticket.priority < rule.min_priority:
            continue
        return rule
    return None


def available_members(team: Team):
    """The team's members who take tickets now: active people, not marked away."""
    return (
        people()
        .filter(teams=team)
        .exclude(availability__away=True)
        .annotate(open_tickets=Count("tickets", filter=Q(tickets__state__in=OPEN_STATES)))
        .order_by("username")
    )


def _pick(team: Team) -> tuple[object | None, str]:
    """(person, why) within the team; (None, why) when nobody is picked."""
    members = list(available_members(team))
    if team.assign_by == Team.AssignBy.NOBODY:
        return None, "the team picks from its queue"
    if not members:
        return None, "nobody in the team is available"
    if team.assign_by == Team.AssignBy.ROUND_ROBIN:
        names = [m.pk for m in members]
        after = names.index(team.last_assigned_id) + 1 if team.last_assigned_id in names else 0
        person = members[after % len(members)]
        return person, "next in turn"
    person = min(members, key=lambda m: (m.open_tickets, m.username))
    return person, f"fewest open tickets ({person.open_tickets})"


def ticket_route(*, ticket: Ticket, channel: str = "") -> Ticket:
    """Give a new ticket with no team a team and, as the team assigns, a person; recorded on
    its log with the rule and the reason. Nothing changes when no rule matches."""
    if ticket.team_id or ticket.assignee_id:
        return ticket
    rule = rule_for(ticket, channel)
    if rule is None:
        return ticket
    team = Team.objects.select_for_update().get(pk=rule.team_id)
    person, why = _pick(team)
    ticket.team, ticket.assignee = team, person
    ticket.save(update_fields=["team", "assignee", "updated_at"])
    if person is not None:
        team.last_assigned = person
        team.save(update_fields=["last_assigned"])
    reason = f"routed by rule {rule.position} ({rule.conditions or 'every ticket'}) to {team}"
    reason += f"; {person.get_username()}: {why}" if person else f"; {why}"
    event = ticket_event(
        ticket=ticket,
        kind=TicketEvent.Kind.ASSIGNED,
        assignee=person.get_username() if person else None,
        team=team.name,
        reason=reason,
    )
    if person is not None:
        staff_notice(
            user=person,
            kind=StaffNotice.Kind.ASSIGNED,
            ticket=ticket,
            text=f"a new ticket, routed to you ({why})",
            key=f"assigned:{event.pk}",
        )
    return ticket


def availability_set(*, user, away: bool) -> Availability:
    """A person says whether they take new tickets now; routing skips those who are away."""
    availability, _created = Availability.objects.update_or_create(
        user=user, defaults={"away": away}
    )
    return availability
