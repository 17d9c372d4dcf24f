"""Failure and recovery: the funnel from feedback to recovered customers (every step counted per
team in one pass over the tickets), the time to apologise and to resolve (median and 90th
percentile) against the SLA, and breaches by team."""

from __future__ import annotations

from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, FloatField, Func, OuterRef, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from recovery.dashboards.figures.tables import Dashboard, Table, days, pct
from recovery.dashboards.filters import Filters
from recovery.models import Ticket, TicketEvent


class HoursBetween(Func):
    """end - start in hours, computed natively (Django's own duration arithmetic on SQLite calls
    back into Python for every row)."""

    output_field = FloatField()

    def __init__(self, end: str, start: str):
        super().__init__(F(end), F(start))

    def as_sqlite(self, compiler, connection, **extra):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        return f"((julianday({end[0]}) - julianday({start[0]})) * 24.0)", end[1] + start[1]

    def as_postgresql(self, compiler, connection, **extra):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        return f"(EXTRACT(EPOCH FROM ({end[0]} - {start[0]})) / 3600.0)", end[1] + start[1]


def _percentiles(tickets, counts: dict[str, int]) -> dict[str, tuple[float | None, float | None]]:
    """Median and 90th percentile of the hours from opening to each step (`counts`: step field →
    tickets that have it), in one pass over the tickets: each step's durations are numbered in
    order by a window (empty ones last) and only the rows at the two ranks come back. SQLite has
    no percentile function; the rows stay in the database."""
    ranks = {
        end: ((count - 1) // 2 + 1, min(count, int(0.9 * (count - 1) + 0.5) + 1))
        for end, count in counts.items()
        if count
    }
    found: dict[str, dict[int, float]] = {end: {} for end in ranks}
    if ranks:
        rows = (
            tickets.annotate(**{f"{end}_took": HoursBetween(end, "opened_at") for end in ranks})
            .annotate(
                **{
                    f"{end}_rank": Window(
                        RowNumber(), order_by=F(f"{end}_took").asc(nulls_last=True)
                    )
                    for end in ranks
                }
            )
            .filter(
                reduce(or_, (Q(**{f"{end}_rank__in": wanted}) for end, wanted in ranks.items()))
            )
            .values(*[f"{end}_{part}" for end in ranks for part in ("rank", "took")])
            .order_by()
        )
        for row in rows:
            for end in ranks:
                found[end][row[f"{end}_rank"]] = row[f"{end}_took"]
    return {
        end: tuple(round(found[end][rank], 1) for rank in ranks[end])
        if end in ranks
        else (None, None)
        for end in counts
    }


def _step_counts() -> dict:
    """Per ticket: which steps it reached, and whether within its SLA. The funnel's stages
    (`reached_*`) count a ticket at a stage only if it passed every stage before it (a skipped
    step counts as passed), so each stage is at most the one before."""
    events = TicketEvent.objects.filter(ticket=OuterRef("pk"))
    apologised = Q(apologised_at__isnull=False) | Exists(
        events.filter(kind=TicketEvent.Kind.SKIPPED, payload__step="apologise")
    )
    reassured = apologised & (
        Exists(events.filter(kind=TicketEvent.Kind.REASSURED))
        | Exists(events.filter(kind=TicketEvent.Kind.SKIPPED, payload__step="reassure"))
    )
    resolved = reassured & Q(resolved_at__isnull=False)
    # The customer said whether we made it right: by the follow-up, or to an agent who closed
    # the ticket recording it.
    answered = resolved & (
        Exists(events.filter(kind=TicketEvent.Kind.FOLLOW_UP_ANSWERED)) | Q(recovered__isnull=False)
    )
    return {
        "reached_apologised": Count("id", filter=apologised),
        "reached_reassured": Count("id", filter=reassured),
        "reached_resolved": Count("id", filter=resolved),
        "reached_answered": Count("id", filter=answered),
        "reached_recovered": Count("id", filter=answered & Q(recovered=True)),
        "tickets": Count("id"),
        "apologised": Count("id", filter=Q(apologised_at__isnull=False)),
        "reassured": Count(
            "id",
            filter=Exists(events.filter(kind=TicketEvent.Kind.REASSURED))
            | Exists(events.filter(kind=TicketEvent.Kind.SKIPPED, payload__step="reassure")),
        ),
        "restitution": Count(
            "id", filter=Exists(events.filter(kind=TicketEvent.Kind.RESTITUTION_OFFERED))
        ),
        "resolved": Count("id", filter=Q(resolved_at__isnull=False)),
        "answered": Count(
            "id", filter=Exists(events.filter(kind=TicketEvent.Kind.FOLLOW_UP_ANSWERED))
        ),
        "recovered": Count("id", filter=Q(recovered=True)),
        "apology_in_sla": Count(
            "id", filter=Q(apologised_at__isnull=False, apologised_at__lte=F("apology_due_at"))
        ),
        "resolution_in_sla": Count(
            "id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due_at"))
        ),
        "breached": Count("id", filter=Q(breached=True)),
    }


def funnel(f: Filters) -> Dashboard:
    feedback = days(f).aggregate(n=Sum("items"), failed=Sum("failures"))
    tickets = f.tickets(Ticket.objects.all())
    counts = _step_counts()
    # Every step is counted per team in one pass over the tickets; the funnel adds the teams up.
    teams = list(
        tickets.values("team", "team__name").annotate(**counts).order_by("team__name", "team")
    )
    steps = {key: sum(row[key] for row in teams) for key in counts}
    took = _percentiles(
        tickets, {"apologised_at": steps["apologised"], "resolved_at": steps["resolved"]}
    )
    dashboard = Dashboard(_("Failure and recovery"))
    dashboard.tables["funnel"] = _stages(feedback, steps, f)
    dashboard.tables["times"] = _times(steps, took)
    dashboard.tables["breaches_by_team"] = _breaches(teams, f)
    dashboard.headline = [
        (_("Tickets"), steps["tickets"]),
        (_("Recovered %"), pct(steps["reached_recovered"], steps["tickets"])),  # as the funnel
        (_("Restitution given"), steps["restitution"]),
        (_("Median hours to apology"), took["apologised_at"][0]),
        (_("SLA breaches"), steps["breached"]),
    ]
    return dashboard


def queue_link(f: Filters, **params) -> str:
    """The queue showing the tickets of these filters' period (and `params`)."""
    first_day, last_day = f.days()
    query = {
        "state": "all",
        "opened_after": first_day.isoformat(),
        "opened_before": last_day.isoformat(),
        **({"team": f.team} if f.team else {}),
        **({"channel": f.channel} if f.channel else {}),
        **params,
    }
    return reverse("recovery:queue") + "?" + urlencode(query)


def _stages(feedback: dict, steps: dict, f: Filters) -> Table:
    # Restitution is not a stage (a ticket may be resolved without it): it is in the headline.
    stages = [
        (_("Feedback"), feedback["n"] or 0),
        (_("Failures"), feedback["failed"] or 0),
        (_("Tickets"), steps["tickets"]),
        (_("Apologised"), steps["reached_apologised"]),
        (_("Reassured"), steps["reached_reassured"]),
        (_("Resolved"), steps["reached_resolved"]),
        (_("Said whether we made it right"), steps["reached_answered"]),
        (_("Recovered"), steps["reached_recovered"]),
    ]
    rows, previous = [], None
    for name, count in stages:
        rows.append([name, count, pct(count, previous) if previous is not None else None])
        previous = count
    drill = {
        _("Feedback"): reverse("surveys:feedback"),
        _("Failures"): reverse("surveys:feedback") + "?sentiment=negative",
        _("Tickets"): queue_link(f),
        _("Recovered"): queue_link(f, recovered="yes"),
    }
    return Table(
        _("Funnel"),
        [_("Stage"), _("Count"), _("From the stage before %")],
        rows,
        chart="bar",
        series=(1,),
        links=[drill.get(row[0], "") for row in rows],
    )


def _times(steps: dict, took: dict) -> Table:
    apology = (*took["apologised_at"], steps["apologised"])
    resolution = (*took["resolved_at"], steps["resolved"])
    return Table(
        _("Time to act (hours, on the clock)"),
        [_("Step"), _("Median hours"), "90th percentile hours", _("Tickets"), _("Within SLA %")],
        [
            [_("Apology"), *apology, pct(steps["apology_in_sla"], apology[2])],
            [_("Resolution"), *resolution, pct(steps["resolution_in_sla"], resolution[2])],
        ],
        note=_("SLA targets count business hours only; these durations are wall-clock hours."),
    )


def _breaches(teams: list[dict], f: Filters) -> Table:
    return Table(
        _("SLA breaches by team"),
        [_("Team"), _("Tickets"), _("Breached"), _("Breached %")],
        [
            [
                r["team__name"] or "(no team)",
                r["tickets"],
                r["breached"],
                pct(r["breached"], r["tickets"]),
            ]
            for r in teams
        ],
        chart="bar",
        series=(2,),
        links=[queue_link(f, team=r["team"], sla="breached") if r["team"] else "" for r in teams],
    )
