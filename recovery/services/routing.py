"""Routing a new ticket: a team from the managers' rules (the first active rule whose
conditions hold), then a person within the team as the team assigns (in turn, or the fewest
open tickets), among its members who take tickets now. Both are explained on the ticket's log."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

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
from recovery.services.log import ticket_event_new, ticket_events_save
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


def _pick(team: Team, members: list) -> tuple[object | None, str]:
    """(person, why) within the team, from its available `members` (open_tickets annotated);
    (None, why) when nobody is picked. A pick counts at once (the turn moves on, the person's
    open tickets go up), so a batch of tickets shares out as one at a time would."""
    if team.assign_by == Team.AssignBy.NOBODY:
        return None, "the team picks from its queue"
    if not members:
        return None, "nobody in the team is available"
    if team.assign_by == Team.AssignBy.ROUND_ROBIN:
        names = [m.pk for m in members]
        after = names.index(team.last_assigned_id) + 1 if team.last_assigned_id in names else 0
        person, why = members[after % len(members)], "next in turn"
    else:
        person = min(members, key=lambda m: (m.open_tickets, m.username))
        why = f"fewest open tickets ({person.open_tickets})"
    team.last_assigned = person
    person.open_tickets += 1
    return person, why


def ticket_route(*, ticket: Ticket, channel: str = "") -> Ticket:
    """Give a new ticket with no team a team and, as the team assigns, a person; recorded on
    its log with the rule and the reason. Nothing changes when no rule matches."""
    tickets_route([(ticket, channel)])
    return ticket


# Long on purpose: the rule, the team's pick, the writes and the notices of a batch, in order.
def tickets_route(pairs: list[tuple[Ticket, str]], rules: list[RoutingRule] | None = None) -> int:
    """ticket_route for tickets opened together, each as (ticket, channel): each team read and
    locked once, its members once, one update per (team, person) and one insert for the log
    entries; the people picked are told one notice per ticket. Returns how many were routed."""
    rules = active_rules() if rules is None else rules
    routed = []
    for ticket, channel in pairs:
        if ticket.team_id or ticket.assignee_id:
            continue
        rule = rule_for(ticket, channel, rules)
        if rule is not None:
            routed.append((ticket, rule))
    if not routed:
        return 0
    # Locked in one order, so two batches wait for each other rather than deadlock.
    locked = Team.objects.select_for_update().filter(pk__in={r.team_id for _t, r in routed})
    teams = {t.pk: t for t in locked.order_by("pk")}
    members = {pk: list(available_members(team)) for pk, team in teams.items()}
    events, told, together, turned = [], [], defaultdict(list), set()
    for ticket, rule in routed:
        team = teams[rule.team_id]
        person, why = _pick(team, members[team.pk])
        ticket.team, ticket.assignee = team, person
        if person is not None:
            turned.add(team.pk)
        together[(team.pk, person.pk if person else None)].append(ticket.pk)
        reason = f"routed by rule {rule.position} ({rule.conditions or 'every ticket'}) to {team}"
        reason += f"; {person.get_username()}: {why}" if person else f"; {why}"
        events.append(
            ticket_event_new(
                ticket=ticket,
                kind=TicketEvent.Kind.ASSIGNED,
                assignee=person.get_username() if person else None,
                team=team.name,
                reason=reason,
            )
        )
        told.append((ticket, person, why))
    now = timezone.now()
    for (team_id, person_id), ids in together.items():
        Ticket.objects.filter(pk__in=ids).update(
            team_id=team_id, assignee_id=person_id, updated_at=now
        )
    for ticket, _rule in routed:
        ticket.updated_at = now
    for pk in turned:
        teams[pk].save(update_fields=["last_assigned"])
    ticket_events_save(events)
    for (ticket, person, why), event in zip(told, events, strict=True):
        if person is not None:
            staff_notice(
                user=person,
                kind=StaffNotice.Kind.ASSIGNED,
                ticket=ticket,
                text=f"a new ticket, routed to you ({why})",
                key=f"assigned:{event.pk}",
            )
    return len(routed)


def availability_set(*, user, away: bool) -> Availability:
    """A person says whether they take new tickets now; routing skips those who are away."""
    availability, _created = Availability.objects.update_or_create(
        user=user, defaults={"away": away}
    )
    return availability
