"""The figures of each dashboard, each one SQL aggregate; Python only arranges the rows.

Every dashboard returns a Dashboard of Tables; pages draw a chart from a table and show the table
beside it, CSV and the API give the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth

from feedback_app.customers.models import Channel, Customer, ValueTier
from recovery.dashboards.filters import SEGMENTS, Filters
from recovery.models import OPEN_STATES, Restitution, Ticket, TicketEvent
from recovery.reports import outcomes
from surveys.models import (
    FeedbackDay,
    Invitation,
    Survey,
    TopicDay,
)
from surveys.selectors import SCORE_AGGREGATES, nps_first_after, nps_last_before, scores_from
from surveys.services.rollups import grain_name, local_day

CHANNELS = dict(Channel.choices)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list]
    chart: str = ""  # "line" or "bar": the first column is the axis, `series` the plotted columns
    series: tuple[int, ...] = ()
    note: str = ""

    def as_dict(self) -> dict:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "note": self.note}


@dataclass
class Dashboard:
    title: str
    headline: list[tuple[str, object]] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "headline": dict(self.headline),
            "tables": {key: table.as_dict() for key, table in self.tables.items()},
        }


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- scores ----------------------------------------------------------------------------------


def scores(row: dict) -> list:
    """The score columns of one SCORE_AGGREGATES row (see surveys.selectors)."""
    figures = scores_from(row)
    return [figures[key] for key in ("nps", "nps_n", "csat", "csat_n", "ces", "ces_n")]


SCORE_COLUMNS = ["NPS", "NPS answers", "CSAT %", "CSAT answers", "CES mean", "CES answers"]


# Scores, sentiment and topics come from the day tables the surveys services keep (FeedbackDay,
# TopicDay): a few rows per day at the grain each table needs, whatever the number of answers.
ROLLED_SCORES = {name: Sum(name) for name in SCORE_AGGREGATES}
SENTIMENTS = ("negative", "neutral", "positive")


def _days(f: Filters, *breakdowns: str, table=FeedbackDay, since=None):
    """Day-table rows in the filters (from `since` instead of the start if given), at the grain
    that keeps `breakdowns` and the segment filtered on."""
    segment = f.segment if f.segment and f.segment_value else ""
    rows = table.objects.filter(
        grain=grain_name({*breakdowns, *filter(None, [segment])}),
        day__gte=local_day(since or f.start),
        day__lt=local_day(f.end),
    )
    if f.channel:
        rows = rows.filter(channel=f.channel)
    if segment:
        rows = rows.filter(**{f"{segment}__iexact": f.segment_value})
    return rows


def _bucket(day: date, period: str) -> date:
    """The first day of the week (Monday) or month holding `day`."""
    return day - timedelta(days=day.weekday()) if period == "week" else day.replace(day=1)


def _rollup(rows, key: str | None) -> dict:
    """Add up the (additive) score aggregates of the grouped rows by one key (None: all)."""
    totals: dict = {}
    for row in rows:
        into = totals.setdefault(row[key] if key else None, dict.fromkeys(SCORE_AGGREGATES, 0))
        for name in SCORE_AGGREGATES:
            into[name] += row[name] or 0
    return totals


def _by(rows, key: str, label=lambda value: value) -> list[list]:
    rolled = _rollup(rows, key)
    return [
        [label(value), *scores(row)]
        for value, row in sorted(rolled.items(), key=lambda kv: str(kv[0] or ""))
    ]


SENT = [Invitation.Status.SENT, Invitation.Status.ANSWERED]
INVITATION_COUNTS = {
    "sent": Count("id", filter=Q(status__in=SENT)),
    "answered": Count("id", filter=Q(status=Invitation.Status.ANSWERED)),
    "suppressed": Count("id", filter=Q(status=Invitation.Status.SUPPRESSED)),
}


def _invitations(f: Filters):
    """Invitations scheduled in the range, for customers in the segment filtered on."""
    return Invitation.objects.filter(scheduled_for__gte=f.start, scheduled_for__lt=f.end).filter(
        f.customer_q("")
    )


def experience(f: Filters) -> Dashboard:
    daily = list(
        _days(f)
        .values("day")
        .annotate(**ROLLED_SCORES, **{s: Sum(s) for s in SENTIMENTS})
        .order_by("day")
    )
    for row in daily:
        row["bucket"] = _bucket(row["day"], f.period)
    dashboard = Dashboard("Experience")
    dashboard.tables["over_time"] = Table(
        f"Scores by {f.period}",
        [f.period.capitalize(), *SCORE_COLUMNS],
        _by(daily, "bucket", date.isoformat),
        chart="line",
        series=(1, 3, 5),
    )
    dashboard.tables["by_channel"] = Table(
        "Scores by channel",
        ["Channel", *SCORE_COLUMNS],
        _by(
            _days(f).values("channel").annotate(**ROLLED_SCORES).order_by(),
            "channel",
            lambda channel: CHANNELS.get(channel, channel),
        ),
        chart="bar",
        series=(1, 3),
    )
    for segment, label in SEGMENTS.items():
        dashboard.tables[f"by_{segment}"] = Table(
            f"Scores by {label.lower()}",
            [label, *SCORE_COLUMNS],
            _by(
                _days(f, segment).values(segment).annotate(**ROLLED_SCORES).order_by(),
                segment,
                lambda value: value or "(unknown)",
            ),
            chart="bar",
            series=(1, 3),
        )
    by_survey = list(
        _days(f, "survey")
        .exclude(survey_key=0)
        .values("survey_key")
        .annotate(**ROLLED_SCORES)
        .order_by()
    )
    names = Survey.objects.in_bulk([row["survey_key"] for row in by_survey])
    for row in by_survey:
        survey = names.get(row["survey_key"])
        row["survey"] = survey.name if survey else f"Survey #{row['survey_key']}"
    dashboard.tables["by_survey"] = Table(
        "Scores by survey",
        ["Survey", *SCORE_COLUMNS],
        _by(by_survey, "survey"),
        chart="bar",
        series=(1, 3),
    )
    rates = (
        _invitations(f)
        .values("survey__name", "channel")
        .annotate(**INVITATION_COUNTS)
        .order_by("survey__name", "channel")
    )
    dashboard.tables["response_rates"] = Table(
        "Response rates",
        ["Survey", "Channel", "Sent", "Answered", "Response rate %", "Suppressed"],
        [
            [
                r["survey__name"],
                r["channel"],
                r["sent"],
                r["answered"],
                _pct(r["answered"], r["sent"]),
                r["suppressed"],
            ]
            for r in rates
        ],
    )
    mix: dict[date, dict[str, int]] = {}
    for row in daily:
        bucket = mix.setdefault(row["bucket"], dict.fromkeys(SENTIMENTS, 0))
        for sentiment in SENTIMENTS:
            bucket[sentiment] += row[sentiment] or 0
    dashboard.tables["sentiment_mix"] = Table(
        f"Sentiment mix by {f.period}",
        [f.period.capitalize(), "Negative", "Neutral", "Positive", "Negative %"],
        [
            [
                b.isoformat(),
                m["negative"],
                m["neutral"],
                m["positive"],
                _pct(m["negative"], sum(m.values())),
            ]
            for b, m in sorted(mix.items())
            if any(m.values())
        ],
        chart="line",
        series=(1, 2, 3),
    )
    dashboard.tables["topics"] = _topics(f)
    total = _rollup(daily, None).get(None, dict.fromkeys(SCORE_AGGREGATES, 0))
    nps, _, csat, _, ces, _ = scores(total)
    dashboard.headline = [
        ("NPS", nps),
        ("CSAT %", csat),
        ("CES mean", ces),
        ("Rated answers", total["nps_n"] + total["csat_n"] + total["ces_n"]),
    ]
    return dashboard


def _topics(f: Filters) -> Table:
    """Topics by volume now, and how that compares with the period before (rising topics)."""
    before_start, _ = f.previous()
    start = local_day(f.start)
    days = _days(f, table=TopicDay, since=before_start)
    counts = {
        row["topic__name"]: (row["now"] or 0, row["before"] or 0)
        for row in days.values("topic__name").annotate(
            now=Sum("mentions", filter=Q(day__gte=start)),
            before=Sum("mentions", filter=Q(day__lt=start)),
        )
    }
    rows = [
        [name, now, before, now - before, _pct(now - before, before)]
        for name, (now, before) in counts.items()
        if now or before
    ]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return Table(
        "Topics (rising: change against the period before)",
        ["Topic", "Mentions", "Period before", "Change", "Change %"],
        rows,
        chart="bar",
        series=(1, 2),
    )


# --- failure and recovery funnel --------------------------------------------------------------


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


def funnel(f: Filters) -> Dashboard:
    feedback = _days(f).aggregate(n=Sum("items"), failed=Sum("failures"))
    tickets = f.tickets(Ticket.objects.all())
    events = TicketEvent.objects.filter(ticket=OuterRef("pk"))
    counts = {
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
    # Every step is counted per team in one pass over the tickets; the funnel adds the teams up.
    teams = list(tickets.values("team__name").annotate(**counts).order_by("team__name"))
    steps = {key: sum(row[key] for row in teams) for key in counts}
    stages = [
        ("Feedback", feedback["n"] or 0),
        ("Failures", feedback["failed"] or 0),
        ("Tickets", steps["tickets"]),
        ("Apologised", steps["apologised"]),
        ("Reassured", steps["reassured"]),
        ("Restitution given", steps["restitution"]),
        ("Resolved", steps["resolved"]),
        ("Follow-up answered", steps["answered"]),
        ("Recovered", steps["recovered"]),
    ]
    rows, previous = [], None
    for name, count in stages:
        rows.append([name, count, _pct(count, previous) if previous is not None else None])
        previous = count
    dashboard = Dashboard("Failure and recovery")
    dashboard.tables["funnel"] = Table(
        "Funnel", ["Stage", "Count", "From the stage before %"], rows, chart="bar", series=(1,)
    )
    took = _percentiles(
        tickets, {"apologised_at": steps["apologised"], "resolved_at": steps["resolved"]}
    )
    apology = (*took["apologised_at"], steps["apologised"])
    resolution = (*took["resolved_at"], steps["resolved"])
    dashboard.tables["times"] = Table(
        "Time to act (hours, on the clock)",
        ["Step", "Median hours", "90th percentile hours", "Tickets", "Within SLA %"],
        [
            [
                "Apology",
                apology[0],
                apology[1],
                apology[2],
                _pct(steps["apology_in_sla"], apology[2]),
            ],
            [
                "Resolution",
                resolution[0],
                resolution[1],
                resolution[2],
                _pct(steps["resolution_in_sla"], resolution[2]),
            ],
        ],
        note="SLA targets count business hours only; these durations are wall-clock hours.",
    )
    dashboard.tables["breaches_by_team"] = Table(
        "SLA breaches by team",
        ["Team", "Tickets", "Breached", "Breached %"],
        [
            [
                r["team__name"] or "(no team)",
                r["tickets"],
                r["breached"],
                _pct(r["breached"], r["tickets"]),
            ]
            for r in teams
        ],
        chart="bar",
        series=(2,),
    )
    dashboard.headline = [
        ("Tickets", steps["tickets"]),
        ("Recovered %", _pct(steps["recovered"], steps["tickets"])),
        ("Median hours to apology", apology[0]),
        ("SLA breaches", steps["breached"]),
    ]
    return dashboard


# --- restitution ------------------------------------------------------------------------------


def restitution(f: Filters) -> Dashboard:
    given = Restitution.objects.filter(ticket__in=f.tickets(Ticket.objects.all()))
    granted = given.filter(status=Restitution.Status.GRANTED, amount__isnull=False)
    money = {"total": Sum("amount"), "average": Avg("amount"), "n": Count("id")}

    def table(title, key, label, rows, chart=True):
        return Table(
            title,
            [label, "Currency", "Total", "Average", "Count"],
            [
                [
                    r[key] or "(none)",
                    r["currency"],
                    r["total"],
                    round(r["average"], 2) if r["average"] is not None else None,
                    r["n"],
                ]
                for r in rows
            ],
            chart="bar" if chart else "",
            series=(2,),
        )

    dashboard = Dashboard("Restitution")
    dashboard.tables["by_kind"] = table(
        "Cost by kind",
        "kind",
        "Kind",
        granted.values("kind", "currency").annotate(**money).order_by("kind", "currency"),
    )
    dashboard.tables["by_topic"] = table(
        "Cost by topic",
        "ticket__topics__name",
        "Topic",
        granted.values("ticket__topics__name", "currency")
        .annotate(**money)
        .order_by("ticket__topics__name"),
    )
    dashboard.tables["by_team"] = table(
        "Cost by team",
        "ticket__team__name",
        "Team",
        granted.values("ticket__team__name", "currency")
        .annotate(**money)
        .order_by("ticket__team__name"),
    )
    months = (
        granted.annotate(month=TruncMonth("created_at"))
        .values("month", "currency")
        .annotate(**money)
        .order_by("month", "currency")
    )
    dashboard.tables["by_month"] = Table(
        "Cost by month",
        ["Month", "Currency", "Total", "Average", "Count"],
        [
            [
                r["month"].strftime("%Y-%m"),
                r["currency"],
                r["total"],
                round(r["average"], 2),
                r["n"],
            ]
            for r in months
        ],
        chart="bar",
        series=(2,),
    )
    approvals = given.aggregate(
        n=Count("id"),
        approval=Count(
            "id", filter=Q(decided_at__isnull=False) | Q(status=Restitution.Status.PENDING)
        ),
    )
    recovered = (
        f.tickets(Ticket.objects.filter(recovered=True)).values("customer_id").distinct().count()
    )
    totals = granted.values("currency").annotate(total=Sum("amount")).order_by("currency")
    dashboard.tables["per_recovered_customer"] = Table(
        "Cost per recovered customer",
        ["Currency", "Total given", "Recovered customers", "Cost per recovered customer"],
        [
            [
                r["currency"],
                r["total"],
                recovered,
                round(r["total"] / recovered, 2) if recovered else None,
            ]
            for r in totals
        ],
        note="All restitution given in the period, divided by the customers who said we made it "
        "right.",
    )
    dashboard.headline = [
        ("Restitutions", approvals["n"]),
        ("Needed approval %", _pct(approvals["approval"], approvals["n"])),
        ("Recovered customers", recovered),
    ]
    return dashboard


# --- retention ----------------------------------------------------------------------------------

WINDOWS = (30, 90, 180)


def retention(f: Filters) -> Dashboard:
    """Of customers with a ticket, who came back (a later event or survey answer, not the
    follow-up itself) within 30, 90 and 180 days of the ticket, recovered or not."""
    tickets = f.tickets(Ticket.objects.all())
    windows = {
        f"back_{days}": Count("id", filter=Q(came_back_after__lte=timedelta(days=days)))
        for days in WINDOWS
    }
    groups = {True: "Recovered", False: "Not recovered", None: "No answer yet"}
    rows = []
    for row in tickets.values("recovered").annotate(n=Count("id"), **windows).order_by("recovered"):
        rows.append(
            [
                groups[row["recovered"]],
                row["n"],
                *[_pct(row[f"back_{d}"], row["n"]) for d in WINDOWS],
            ]
        )
    dashboard = Dashboard("Retention after recovery")
    dashboard.tables["came_back"] = Table(
        "Came back within",
        ["Customers", "Tickets", *[f"{d} days %" for d in WINDOWS]],
        rows,
        chart="bar",
        series=(2, 3, 4),
    )
    before_after = (
        tickets.annotate(
            before=nps_last_before("opened_at"), after=nps_first_after("resolved_at", "gt")
        )
        .values("recovered")
        .annotate(before=Avg("before"), after=Avg("after"))
        .order_by("recovered")
    )
    dashboard.tables["scores"] = Table(
        "NPS before the ticket and after its resolution",
        ["Customers", "Mean NPS before", "Mean NPS after"],
        [[groups[r["recovered"]], _round(r["before"]), _round(r["after"])] for r in before_after],
        chart="bar",
        series=(1, 2),
        note="Each customer's last NPS answer before the ticket opened and first after it was "
        "resolved.",
    )
    recovered = next((r for r in rows if r[0] == "Recovered"), None)
    not_recovered = next((r for r in rows if r[0] == "Not recovered"), None)
    dashboard.headline = [
        ("Came back in 90 days, recovered %", recovered[3] if recovered else None),
        ("Came back in 90 days, not recovered %", not_recovered[3] if not_recovered else None),
    ]
    return dashboard


def _round(value, digits: int = 1):
    return round(value, digits) if value is not None else None


# --- engagement -----------------------------------------------------------------------------------


def engagement(f: Filters) -> Dashboard:
    invitations = _invitations(f)
    per_survey = (
        invitations.values("survey_id", "survey__name")
        .annotate(**INVITATION_COUNTS)
        .order_by("survey__name")
    )
    change = (
        invitations.filter(status__in=SENT, sent_at__isnull=False)
        .annotate(before=nps_last_before("sent_at"), after=nps_first_after("sent_at", "gte"))
        .values("survey_id")
        .annotate(before=Avg("before"), after=Avg("after"))
        .order_by()
    )
    changes = {row["survey_id"]: row for row in change}
    dashboard = Dashboard("Engagement")
    rows = []
    for r in per_survey:
        c = changes.get(r["survey_id"], {})
        before, after = c.get("before"), c.get("after")
        rows.append(
            [
                r["survey__name"],
                r["sent"],
                r["suppressed"],
                r["answered"],
                _pct(r["answered"], r["sent"]),
                _round(before),
                _round(after),
                _round(after - before) if before is not None and after is not None else None,
            ]
        )
    dashboard.tables["surveys"] = Table(
        "Surveys",
        [
            "Survey",
            "Sent",
            "Suppressed",
            "Answered",
            "Answered %",
            "NPS before",
            "NPS after",
            "Change",
        ],
        rows,
        chart="bar",
        series=(1, 2, 3),
        note="NPS before and after: each recipient's last NPS answer before the invitation went "
        "out and first one after it.",
    )
    notices = [
        o
        for o in outcomes()
        if o.improvement.shipped_at and f.start <= o.improvement.shipped_at < f.end
    ]
    dashboard.tables["notices"] = Table(
        "\u201cYou said, we did\u201d notices",
        ["Improvement", "Told", "Suppressed", "Came back", "NPS before", "NPS after", "Change"],
        [
            [
                o.improvement.title,
                o.told,
                o.suppressed,
                o.came_back,
                _round(o.nps_before),
                _round(o.nps_after),
                _round(o.nps_after - o.nps_before)
                if o.nps_after is not None and o.nps_before is not None
                else None,
            ]
            for o in notices
        ],
        chart="bar",
        series=(1, 2),
    )
    return dashboard


# --- most valuable customers -------------------------------------------------------------

TOP_TIERS = (ValueTier.PLATINUM, ValueTier.GOLD)


def valuable(f: Filters) -> Dashboard:
    tiers = _days(f, "value_tier").values("value_tier").annotate(**ROLLED_SCORES).order_by()
    scored = {value: scores(row) for value, row in _rollup(tiers, "value_tier").items()}
    open_by_tier = {
        row["customer__value_tier"]: row["n"]
        for row in Ticket.objects.filter(state__in=OPEN_STATES)
        .values("customer__value_tier")
        .annotate(n=Count("id"))
    }
    dashboard = Dashboard("Most valuable customers")
    dashboard.tables["by_tier"] = Table(
        "Scores and open tickets by value tier",
        ["Value tier", *SCORE_COLUMNS, "Open tickets"],
        [
            [label, *scored.get(value, [None, 0, None, 0, None, 0]), open_by_tier.get(value, 0)]
            for value, label in reversed(ValueTier.choices)
        ],
        chart="bar",
        series=(1, 3),
    )
    customers = (
        Customer.objects.filter(value_tier__in=TOP_TIERS, tickets__state__in=OPEN_STATES)
        .annotate(
            open_tickets=Count("tickets", filter=Q(tickets__state__in=OPEN_STATES)),
            worst=Count(
                "tickets", filter=Q(tickets__state__in=OPEN_STATES, tickets__priority__gte=3)
            ),
        )
        .order_by("-worst", "-open_tickets", "full_name")[:50]
    )
    dashboard.tables["open_top_customers"] = Table(
        "Top-tier customers with open tickets",
        ["Customer", "Number", "Value tier", "Open tickets", "High or urgent"],
        [
            [c.full_name or f"#{c.pk}", c.pk, c.get_value_tier_display(), c.open_tickets, c.worst]
            for c in customers
        ],
    )
    dashboard.headline = [
        ("Open tickets of top-tier customers", sum(open_by_tier.get(t, 0) for t in TOP_TIERS))
    ]
    return dashboard


DASHBOARDS = {
    "experience": experience,
    "recovery": funnel,
    "restitution": restitution,
    "retention": retention,
    "engagement": engagement,
    "valuable": valuable,
}
