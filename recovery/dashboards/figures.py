"""The figures of each dashboard, each one SQL aggregate; Python only arranges the rows.

Every dashboard returns a Dashboard of Tables; pages draw a chart from a table and show the table
beside it, CSV and the API give the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Trunc, TruncMonth

from feedback_app.customers.models import Channel, Customer, ValueTier
from recovery.dashboards.filters import SEGMENTS, Filters
from recovery.models import OPEN_STATES, Restitution, Ticket, TicketEvent
from recovery.reports import outcomes
from surveys.models import Answer, Complaint, Event, Invitation, Question, Response, Survey
from surveys.selectors import SCORE_AGGREGATES, scores_from

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


def _answers(f: Filters):
    return f.responses(Answer.objects.filter(number__isnull=False), prefix="response__")


# The dimensions the experience tables break scores down by; one grouped query covers them all.
DIMENSIONS = (
    "bucket",
    "response__channel",
    *(f"response__customer__{segment}" for segment in SEGMENTS),
    "question__survey__name",
)


def _rollup(rows, key: str | None) -> dict:
    """Add up the (additive) score aggregates of the grouped rows by one dimension (None: all)."""
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


def experience(f: Filters) -> Dashboard:
    """Scores over time and by channel, segment and survey: one scan of the answers grouped by
    every dimension at once; each table adds up its rows (counts and sums are additive)."""
    grouped = list(
        _answers(f)
        .annotate(bucket=Trunc("response__submitted_at", f.period))
        .values(*DIMENSIONS)
        .annotate(**SCORE_AGGREGATES)
        .order_by()
    )
    dashboard = Dashboard("Experience")
    dashboard.tables["over_time"] = Table(
        f"Scores by {f.period}",
        [f.period.capitalize(), *SCORE_COLUMNS],
        _by(grouped, "bucket", lambda bucket: bucket.date().isoformat()),
        chart="line",
        series=(1, 3, 5),
    )
    dashboard.tables["by_channel"] = Table(
        "Scores by channel",
        ["Channel", *SCORE_COLUMNS],
        _by(grouped, "response__channel", lambda channel: CHANNELS.get(channel, channel)),
        chart="bar",
        series=(1, 3),
    )
    for segment, label in SEGMENTS.items():
        dashboard.tables[f"by_{segment}"] = Table(
            f"Scores by {label.lower()}",
            [label, *SCORE_COLUMNS],
            _by(grouped, f"response__customer__{segment}", lambda value: value or "(unknown)"),
            chart="bar",
            series=(1, 3),
        )
    dashboard.tables["by_survey"] = Table(
        "Scores by survey",
        ["Survey", *SCORE_COLUMNS],
        _by(grouped, "question__survey__name"),
        chart="bar",
        series=(1, 3),
    )
    invitations = Invitation.objects.filter(
        scheduled_for__gte=f.start, scheduled_for__lt=f.end
    ).filter(f.customer_q(""))
    rates = (
        invitations.values("survey__name", "channel")
        .annotate(
            sent=Count("id", filter=Q(status__in=["sent", "answered"])),
            answered=Count("id", filter=Q(status="answered")),
            suppressed=Count("id", filter=Q(status="suppressed")),
        )
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
    mix: dict[str, dict[str, int]] = {}
    for source in (
        f.responses(Response.objects.exclude(sentiment=""), "").annotate(
            bucket=Trunc("submitted_at", f.period)
        ),
        f.complaints(Complaint.objects.exclude(sentiment=""), "").annotate(
            bucket=Trunc("received_at", f.period)
        ),
    ):
        for row in source.values("bucket", "sentiment").annotate(n=Count("id")).order_by():
            bucket = mix.setdefault(
                row["bucket"].date().isoformat(), {"negative": 0, "neutral": 0, "positive": 0}
            )
            bucket[row["sentiment"]] += row["n"]
    dashboard.tables["sentiment_mix"] = Table(
        f"Sentiment mix by {f.period}",
        [f.period.capitalize(), "Negative", "Neutral", "Positive", "Negative %"],
        [
            [b, m["negative"], m["neutral"], m["positive"], _pct(m["negative"], sum(m.values()))]
            for b, m in sorted(mix.items())
        ],
        chart="line",
        series=(1, 2, 3),
    )
    dashboard.tables["topics"] = _topics(f)
    total = _rollup(grouped, None).get(None, dict.fromkeys(SCORE_AGGREGATES, 0))
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
    counts: dict[str, list[int]] = {}
    for through, item, when in (
        (Response.topics.through, "response", "submitted_at"),
        (Complaint.topics.through, "complaint", "received_at"),
    ):
        rows = (
            through.objects.filter(
                **{f"{item}__{when}__gte": before_start, f"{item}__{when}__lt": f.end}
            )
            .filter(f.customer_q(f"{item}__"))
            .filter(**({f"{item}__channel": f.channel} if f.channel else {}))
            .values("topic__name")
            .annotate(
                now=Count("id", filter=Q(**{f"{item}__{when}__gte": f.start})),
                before=Count("id", filter=Q(**{f"{item}__{when}__lt": f.start})),
            )
        )
        for row in rows:
            pair = counts.setdefault(row["topic__name"], [0, 0])
            pair[0] += row["now"]
            pair[1] += row["before"]
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


def _hours(duration) -> float | None:
    return round(duration.total_seconds() / 3600, 1) if duration is not None else None


def _percentiles(queryset, start: str, end: str) -> tuple[float | None, float | None, int]:
    """Median and 90th percentile of end - start, in hours, by offset in the database (SQLite has
    no percentile function; the rows never leave the database)."""
    timed = queryset.filter(**{f"{end}__isnull": False}).annotate(
        took=ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    )
    count = timed.count()
    if not count:
        return None, None, 0
    ordered = timed.order_by("took").values_list("took", flat=True)
    median = ordered[(count - 1) // 2]
    p90 = ordered[min(count - 1, int(0.9 * (count - 1) + 0.5))]
    return _hours(median), _hours(p90), count


def funnel(f: Filters) -> Dashboard:
    responses = f.responses(Response.objects.all())
    complaints = f.complaints(Complaint.objects.all())
    feedback = responses.aggregate(
        n=Count("id"), failed=Count("id", filter=Q(sentiment="negative"))
    )
    complained = complaints.aggregate(
        n=Count("id"), failed=Count("id", filter=Q(sentiment="negative") | Q(severity__gt=1))
    )
    tickets = f.tickets(Ticket.objects.all())
    events = TicketEvent.objects.filter(ticket=OuterRef("pk"))
    steps = tickets.aggregate(
        tickets=Count("id"),
        apologised=Count("id", filter=Q(apologised_at__isnull=False)),
        reassured=Count(
            "id",
            filter=Exists(events.filter(kind="reassured"))
            | Exists(events.filter(kind="skipped", payload__step="reassure")),
        ),
        restitution=Count("id", filter=Exists(events.filter(kind="restitution_offered"))),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        answered=Count("id", filter=Exists(events.filter(kind="follow_up_answered"))),
        recovered=Count("id", filter=Q(recovered=True)),
        apology_in_sla=Count(
            "id", filter=Q(apologised_at__isnull=False, apologised_at__lte=F("apology_due_at"))
        ),
        resolution_in_sla=Count(
            "id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due_at"))
        ),
        breached=Count("id", filter=Q(breached=True)),
    )
    stages = [
        ("Feedback", feedback["n"] + complained["n"]),
        ("Failures", feedback["failed"] + complained["failed"]),
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
    apology = _percentiles(tickets, "opened_at", "apologised_at")
    resolution = _percentiles(tickets, "opened_at", "resolved_at")
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
    teams = (
        tickets.values("team__name")
        .annotate(n=Count("id"), breached=Count("id", filter=Q(breached=True)))
        .order_by("team__name")
    )
    dashboard.tables["breaches_by_team"] = Table(
        "SLA breaches by team",
        ["Team", "Tickets", "Breached", "Breached %"],
        [
            [r["team__name"] or "(no team)", r["n"], r["breached"], _pct(r["breached"], r["n"])]
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
    tickets = (
        f.tickets(Ticket.objects.all())
        .annotate(next_event=Subquery(later_event), next_answer=Subquery(later_answer))
        .annotate(back=Coalesce("next_event", "next_answer"))
    )
    windows = {
        f"back_{days}": Count(
            "id",
            filter=Q(next_event__lte=F("opened_at") + timedelta(days=days))
            | Q(next_answer__lte=F("opened_at") + timedelta(days=days)),
        )
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
    nps = Answer.objects.filter(
        question__kind=Question.Kind.NPS,
        response__customer__tickets__in=f.tickets(Ticket.objects.all()),
    )
    path = "response__customer__tickets"
    before_after = (
        nps.values(f"{path}__recovered")
        .annotate(
            before=Avg("number", filter=Q(response__submitted_at__lt=F(f"{path}__opened_at"))),
            after=Avg("number", filter=Q(response__submitted_at__gt=F(f"{path}__resolved_at"))),
        )
        .order_by(f"{path}__recovered")
    )
    dashboard.tables["scores"] = Table(
        "NPS before the ticket and after its resolution",
        ["Customers", "Mean NPS before", "Mean NPS after"],
        [
            [groups[r[f"{path}__recovered"]], _round(r["before"]), _round(r["after"])]
            for r in before_after
        ],
        chart="bar",
        series=(1, 2),
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
    invitations = Invitation.objects.filter(
        scheduled_for__gte=f.start, scheduled_for__lt=f.end
    ).filter(f.customer_q(""))
    per_survey = (
        invitations.values("survey_id", "survey__name")
        .annotate(
            sent=Count("id", filter=Q(status__in=["sent", "answered"])),
            suppressed=Count("id", filter=Q(status="suppressed")),
            answered=Count("id", filter=Q(status="answered")),
        )
        .order_by("survey__name")
    )
    path = "response__customer__invitations"
    change = (
        Answer.objects.filter(
            question__kind=Question.Kind.NPS,
            **{f"{path}__in": invitations.filter(status__in=["sent", "answered"])},
        )
        .values(f"{path}__survey_id")
        .annotate(
            before=Avg(
                "number",
                filter=Q(
                    response__submitted_at__lt=F(f"{path}__sent_at"),
                    response__submitted_at__gte=F(f"{path}__sent_at") - timedelta(days=90),
                ),
            ),
            after=Avg(
                "number",
                filter=Q(
                    response__submitted_at__gte=F(f"{path}__sent_at"),
                    response__submitted_at__lt=F(f"{path}__sent_at") + timedelta(days=90),
                ),
            ),
        )
    )
    changes = {row[f"{path}__survey_id"]: row for row in change}
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
            "NPS 90 days before",
            "NPS 90 days after",
            "Change",
        ],
        rows,
        chart="bar",
        series=(1, 2, 3),
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
    answers = _answers(f)
    tiers = answers.values("response__customer__value_tier").annotate(**SCORE_AGGREGATES)
    scored = {row["response__customer__value_tier"]: scores(row) for row in tiers}
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
