"""Experience: NPS, CSAT and CES over time and by channel, segment and survey; response rates;
sentiment mix; topics and rising topics. Built from the day tables."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import AgeBand, ValueTier
from recovery.dashboards.figures.tables import (
    CHANNELS,
    INVITATION_COUNTS,
    ROLLED_SCORES,
    SCORE_COLUMNS,
    SENTIMENTS,
    Dashboard,
    Table,
    bucket,
    by,
    days,
    invitations,
    pct,
    rollup,
    scores,
)
from recovery.dashboards.filters import SEGMENTS, Filters
from surveys.models import Survey, Topic, TopicDay
from surveys.selectors import SCORE_AGGREGATES
from surveys.services.rollups import local_day

# How segment values read, in the order people expect (youngest first, standard to top tier).
SEGMENT_NAMES = {"age_band": dict(AgeBand.choices), "value_tier": dict(ValueTier.choices)}


def experience(f: Filters) -> Dashboard:
    daily = list(
        days(f)
        .values("day")
        .annotate(**ROLLED_SCORES, **{s: Sum(s) for s in SENTIMENTS})
        .order_by("day")
    )
    for row in daily:
        row["bucket"] = bucket(row["day"], f.period)
    dashboard = Dashboard(_("Experience"))
    dashboard.tables["over_time"] = _over_time(f, daily)
    dashboard.tables["ces_over_time"] = _ces_over_time(f, dashboard.tables["over_time"])
    dashboard.tables["by_channel"] = _by_channel(f)
    for segment, label in SEGMENTS.items():
        dashboard.tables[f"by_{segment}"] = _by_segment(f, segment, label)
    dashboard.tables["by_survey"] = _by_survey(f)
    dashboard.tables["response_rates"] = _response_rates(f)
    dashboard.tables["sentiment_mix"] = _sentiment_mix(f, daily)
    dashboard.tables["topics"] = _topics(f)
    dashboard.headline = _headline(daily)
    return dashboard


def _over_time(f: Filters, daily: list[dict]) -> Table:
    # NPS (-100..100) and CSAT % (0..100) share an axis; CES (1-7) would be a flat line on it,
    # so it has a chart of its own.
    rows = by(daily, "bucket", date.isoformat)
    return Table(
        f"Scores by {f.period}",
        [f.period.capitalize(), *SCORE_COLUMNS],
        rows,
        chart="line",
        series=(1, 3),
        note=_("The chart shows NPS and CSAT %; CES (1-7) is charted on its own scale below."),
        links=[_feedback_in(f, date.fromisoformat(row[0])) for row in rows],
    )


def _feedback_in(f: Filters, first: date) -> str:
    """The feedback list of one week or month (within the filters' range and channel)."""
    following = bucket(first + timedelta(days=31 if f.period == "month" else 7), f.period)
    start, end = f.days()
    since, until = max(first, start), min(following - timedelta(days=1), end)
    query = {"since": since.isoformat(), "until": until.isoformat()}
    if f.channel:
        query["channel"] = f.channel
    return f"{reverse('surveys:feedback')}?{urlencode(query)}"


def _ces_over_time(f: Filters, scores: Table) -> Table:
    ces = SCORE_COLUMNS.index(_("CES mean")) + 1
    rows = [[row[0], row[ces], row[ces + 1]] for row in scores.rows if row[ces + 1]]
    return Table(
        f"CES by {f.period} (1-7: 1 very hard, 7 very easy)",
        [f.period.capitalize(), _("CES mean"), _("CES answers")],
        rows,
        chart="line",
        series=(1,),
        links=[_feedback_in(f, date.fromisoformat(row[0])) for row in rows],
    )


def _by_channel(f: Filters) -> Table:
    rows = by(
        days(f).values("channel").annotate(**ROLLED_SCORES).order_by(),
        "channel",
        order=list(CHANNELS),
    )
    feedback = reverse("surveys:feedback")
    return Table(
        _("Scores by channel"),
        [_("Channel"), *SCORE_COLUMNS],
        [[CHANNELS.get(row[0], row[0]), *row[1:]] for row in rows],
        chart="bar",
        series=(1, 3),
        links=[f"{feedback}?{urlencode({'channel': row[0]})}" for row in rows],
    )


def _by_segment(f: Filters, segment: str, label: str) -> Table:
    names = SEGMENT_NAMES.get(segment, {})
    rows = by(
        days(f, segment).values(segment).annotate(**ROLLED_SCORES).order_by(),
        segment,
        order=list(names),
    )
    customers = reverse("customers:list")
    return Table(
        f"Scores by {label.lower()}",
        [label, *SCORE_COLUMNS],
        [[names.get(row[0], row[0]) or "(unknown)", *row[1:]] for row in rows],
        chart="bar",
        series=(1, 3),
        links=[f"{customers}?{urlencode({segment: row[0]})}" if row[0] else "" for row in rows],
    )


def _by_survey(f: Filters) -> Table:
    by_survey = list(
        days(f, "survey")
        .exclude(survey_key=0)
        .values("survey_key")
        .annotate(**ROLLED_SCORES)
        .order_by()
    )
    names = Survey.objects.in_bulk([row["survey_key"] for row in by_survey])
    for row in by_survey:
        survey = names.get(row["survey_key"])
        row["survey"] = survey.name if survey else f"Survey #{row['survey_key']}"
    return Table(
        _("Scores by survey"),
        [_("Survey"), *SCORE_COLUMNS],
        by(by_survey, "survey"),
        chart="bar",
        series=(1, 3),
    )


def _response_rates(f: Filters) -> Table:
    rates = (
        invitations(f)
        .values("survey__name", "channel")
        .annotate(**INVITATION_COUNTS)
        .order_by("survey__name", "channel")
    )
    return Table(
        _("Response rates"),
        [
            _("Survey"),
            _("Channel"),
            _("Sent"),
            _("Answered"),
            _("Response rate %"),
            _("Suppressed"),
        ],
        [
            [
                r["survey__name"],
                r["channel"],
                r["sent"],
                r["answered"],
                pct(r["answered"], r["sent"]),
                r["suppressed"],
            ]
            for r in rates
        ],
    )


def _sentiment_mix(f: Filters, daily: list[dict]) -> Table:
    mix: dict[date, dict[str, int]] = {}
    for row in daily:
        counts = mix.setdefault(row["bucket"], dict.fromkeys(SENTIMENTS, 0))
        for sentiment in SENTIMENTS:
            counts[sentiment] += row[sentiment] or 0
    return Table(
        f"Sentiment mix by {f.period}",
        [f.period.capitalize(), _("Negative"), _("Neutral"), _("Positive"), _("Negative %")],
        [
            [
                b.isoformat(),
                m["negative"],
                m["neutral"],
                m["positive"],
                pct(m["negative"], sum(m.values())),
            ]
            for b, m in sorted(mix.items())
            if any(m.values())
        ],
        chart="line",
        series=(1, 2, 3),
    )


def _topics(f: Filters) -> Table:
    """Topics by volume now, and how that compares with the period before (rising topics)."""
    before_start, _before_end = f.previous()
    start = local_day(f.start)
    rows_by_day = days(f, table=TopicDay, since=before_start)
    counts = {
        row["topic__name"]: (row["now"] or 0, row["before"] or 0)
        for row in rows_by_day.values("topic__name").annotate(
            now=Sum("mentions", filter=Q(day__gte=start)),
            before=Sum("mentions", filter=Q(day__lt=start)),
        )
    }
    rows = [
        [name, now, before, now - before, pct(now - before, before)]
        for name, (now, before) in counts.items()
        if now or before
    ]
    rows.sort(key=lambda r: (-r[1], r[0]))
    ids = dict(Topic.objects.filter(name__in=[r[0] for r in rows]).values_list("name", "pk"))
    feedback = reverse("surveys:feedback")
    return Table(
        _("Topics (rising: change against the period before)"),
        [_("Topic"), _("Mentions"), _("Period before"), _("Change"), _("Change %")],
        rows,
        chart="bar",
        series=(1, 2),
        links=[
            f"{feedback}?{urlencode({'topic': ids[r[0]]})}" if r[0] in ids else "" for r in rows
        ],
    )


def _headline(daily: list[dict]) -> list[tuple[str, object]]:
    total = rollup(daily, None).get(None, dict.fromkeys(SCORE_AGGREGATES, 0))
    nps, _nps_n, csat, _csat_n, ces, _ces_n = scores(total)
    return [
        ("NPS", nps),
        ("CSAT %", csat),
        (_("CES mean"), ces),
        (_("Rated answers"), total["nps_n"] + total["csat_n"] + total["ces_n"]),
    ]
