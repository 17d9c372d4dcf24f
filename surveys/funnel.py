"""What works, measured: a survey's funnel from invitation to answer.

For the invitations due in a period: invited, suppressed (with the reasons), sent, clicked (the
page seen in a browser), started (something answered on it), completed, the completion rate
(completed of sent) and the median time from sending to the answer; the same per trigger rule
and arm of its A/B split, per channel and per customer segment (value tier, region); the completion
rate per send hour and weekday; where those who started stopped (the furthest question they
answered); and for each split rule, whether B completes more or less often than A, by a
two-proportion z-test with the sample sizes stated.

Clicked and started come from the answer page's script (surveys/services/progress.py), so link
scanners count for nothing; an answer sent from a page without the script counts as clicked
and started too.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import ValueTier
from surveys.models import Invitation, Survey, TriggerRule
from surveys.selectors import survey_questions

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
# A split's winner is named only with at least this many sent in each arm and p below ALPHA.
MIN_ARM = 30
ALPHA = 0.05
# Each stage counted by the database, per group (surveys.models.Response.invitation: answered).
DONE = Q(response__isnull=False)
STAGES = {
    "invited": Count("pk"),
    "suppressed": Count("pk", filter=Q(status=Invitation.Status.SUPPRESSED)),
    "sent": Count("pk", filter=Q(sent_at__isnull=False)),
    "clicked": Count("pk", filter=Q(opened_at__isnull=False) | DONE),
    "started": Count("pk", filter=Q(started_at__isnull=False) | DONE),
    "completed": Count("pk", filter=DONE),
}


@dataclass
class Row:
    """One line of the funnel."""

    label: str
    invited: int = 0
    suppressed: int = 0
    sent: int = 0
    clicked: int = 0
    started: int = 0
    completed: int = 0
    minutes: list[float] = field(default_factory=list, repr=False)

    def count(self, row: dict) -> Row:
        """Add one group's counts (the keys of STAGES) to this line."""
        for stage in STAGES:
            setattr(self, stage, getattr(self, stage) + row[stage])
        return self

    @property
    def rate(self) -> float | None:
        """Completed, as a share of those sent (%)."""
        return round(100 * self.completed / self.sent, 1) if self.sent else None

    @property
    def median_minutes(self) -> float | None:
        return round(median(self.minutes), 1) if self.minutes else None

    @property
    def median_text(self) -> str:
        """The median time to answer in the unit that reads best ("40 min", "5.5 h", "2.1 d")."""
        minutes = self.median_minutes
        if minutes is None:
            return "\u2014"
        if minutes < 120:
            return _("%(time)s min") % {"time": number_format(minutes, 0)}
        if minutes < 48 * 60:
            return _("%(time)s h") % {"time": number_format(minutes / 60, 1)}
        return _("%(time)s d") % {"time": number_format(minutes / 1440, 1)}


@dataclass
class Split:
    """A rule's A/B split: each arm's sent and completed, and what the test says."""

    rule: TriggerRule
    a: Row
    b: Row
    z: float | None = None
    p: float | None = None
    verdict: str = ""


@dataclass
class Funnel:
    survey: Survey
    since: datetime
    total: Row
    by_rule: list[Row]
    by_channel: list[Row]
    by_segment: list[Row]
    by_region: list[Row]
    by_hour: list[Row]
    by_weekday: list[Row]
    reasons: list[tuple[str, int]]
    stopped: list[tuple[str, int]]
    splits: list[Split]


def two_proportions(c1: int, n1: int, c2: int, n2: int) -> tuple[float, float] | None:
    """(z, two-sided p) of the difference between c1/n1 and c2/n2 (pooled standard error); None
    when either sample is empty or every item fell the same way."""
    if not n1 or not n2:
        return None
    pooled = (c1 + c2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return None
    z = (c2 / n2 - c1 / n1) / spread
    return z, math.erfc(abs(z) / math.sqrt(2))


def needed_per_arm(p1: float, p2: float) -> int | None:
    """Invitations each arm needs to show a difference this size (5% two-sided, 80% power)."""
    if p1 == p2:
        return None
    return math.ceil((1.96 + 0.8416) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2)


def split_verdict(split: Split) -> Split:
    """Fill in the test and a sentence a manager can act on."""
    a, b = split.a, split.b
    sizes = _("A %(a)s of %(a_sent)s sent, B %(b)s of %(b_sent)s") % {
        "a": a.completed,
        "a_sent": a.sent,
        "b": b.completed,
        "b_sent": b.sent,
    }
    tested = two_proportions(a.completed, a.sent, b.completed, b.sent)
    if tested is None:
        split.verdict = _("Not enough answers to compare yet (%(sizes)s).") % {"sizes": sizes}
        return split
    split.z, split.p = round(tested[0], 2), round(tested[1], 4)
    rates = _("%(b)s%% against %(a)s%%") % {"b": b.rate, "a": a.rate}
    if min(a.sent, b.sent) >= MIN_ARM and split.p < ALPHA:
        better = "B" if split.z > 0 else "A"
        split.verdict = _(
            "%(better)s completes more often: B %(rates)s (z = %(z)s, p = %(p)s; %(sizes)s)."
        ) % {"better": better, "rates": rates, "z": split.z, "p": split.p, "sizes": sizes}
        return split
    need = needed_per_arm(a.completed / a.sent, b.completed / b.sent)
    values = {"rates": rates, "p": split.p, "alpha": ALPHA, "least": MIN_ARM, "sizes": sizes}
    if need:
        split.verdict = _(
            "No clear difference yet: B %(rates)s (p = %(p)s, winner named below %(alpha)s with "
            "at least %(least)s sent in each arm; %(sizes)s); about %(need)s sent in each arm "
            "would show a difference this size."
        ) % {**values, "need": need}
    else:
        split.verdict = (
            _(
                "No clear difference yet: B %(rates)s (p = %(p)s, winner named below %(alpha)s "
                "with at least %(least)s sent in each arm; %(sizes)s)."
            )
            % values
        )
    return split


def _reason_kind(reason: str) -> str:
    """A suppression reason without its particulars: "quiet period: "Jo, how did we do..." went
    out on 17 Nov" is a "quiet period"."""
    return (reason or "").split(":", 1)[0].strip() or str(_("(no reason given)"))


def _rule_label(rule: TriggerRule | None, variant: str = "") -> str:
    if rule is None:
        label = str(_("Sent without a rule (follow-ups, staff)"))
    else:
        label = _("%(event)s, %(delay)s after") % {
            "event": rule.event_type,
            "delay": _delay(rule.delay),
        }
    return _("%(label)s (arm %(arm)s)") % {"label": label, "arm": variant} if variant else label


def _delay(delay: timedelta) -> str:
    days, hours = delay.days, delay.seconds // 3600
    if days and hours:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    return _("%(days)s d") % {"days": days} if days else _("%(hours)s h") % {"hours": hours}


# Long on purpose: two aggregates feed every table of the page, then the answered ones' times.
def survey_funnel(
    survey: Survey, *, days: int = 90, now: datetime | None = None, rules=None
) -> Funnel:
    """The survey's funnel for invitations due in the last `days` days. The database counts the
    stages (two GROUP BYs feed every table); only the answered ones' times are read, for the
    medians. 100,000 invitations in a period: see benchmarks/README.md. `rules`: the survey's
    trigger rules when the caller has read them already."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    period = Invitation.objects.filter(
        survey=survey, scheduled_for__gte=since, scheduled_for__lte=now
    ).order_by()
    rules = {rule.pk: rule for rule in (rules if rules is not None else survey.trigger_rules.all())}
    tiers = dict(ValueTier.choices)
    channels = dict(Invitation._meta.get_field("channel").choices)
    local = timezone.get_current_timezone()

    # One GROUP BY for the rule, channel and segment tables (and the total), one for the send
    # hour and weekday (read in local time by a function call per row on SQLite: one pass).
    total = Row(_("All invitations"))
    by_rule: dict[tuple, Row] = {}
    by_channel: dict[str, Row] = {}
    by_segment: dict[str, Row] = {}
    by_region: dict[str, Row] = {}
    keys = ("rule_id", "variant", "channel", "customer__value_tier", "customer__region", "reached")
    stopped: Counter = Counter()
    left = Count("pk", filter=Q(started_at__isnull=False) & ~DONE)
    for row in period.values(*keys).annotate(**STAGES, left=left):
        rule_id, variant, channel, tier, region, reached = (row[key] for key in keys)
        stopped[reached or 0] += row["left"]
        label = _rule_label(rules.get(rule_id), variant)
        total.count(row)
        by_rule.setdefault((rule_id, variant), Row(label)).count(row)
        by_channel.setdefault(channel, Row(channels.get(channel, channel))).count(row)
        by_segment.setdefault(tier, Row(tiers.get(tier, tier))).count(row)
        by_region.setdefault(region, Row(region or "(no region)")).count(row)
    hours = {h: Row(f"{h:02d}:00") for h in range(24)}
    weekdays = {d: Row(name) for d, name in enumerate(WEEKDAYS, start=1)}
    when = period.filter(sent_at__isnull=False).annotate(
        hour=ExtractHour("sent_at", tzinfo=local), day=ExtractIsoWeekDay("sent_at", tzinfo=local)
    )
    for row in when.values("hour", "day").annotate(**STAGES):
        hours[row["hour"]].count(row)
        weekdays[row["day"]].count(row)
    reasons: Counter = Counter()
    for reason, n in (
        period.filter(status=Invitation.Status.SUPPRESSED)
        .values_list("reason")
        .annotate(n=Count("pk"))
    ):
        reasons[_reason_kind(reason)] += n
    # Times to answer, in minutes: the answered ones only, into each line they count in.
    answered = period.filter(DONE, sent_at__isnull=False).values_list(
        "rule_id",
        "variant",
        "channel",
        "customer__value_tier",
        "customer__region",
        "sent_at",
        "response__submitted_at",
    )
    for rule_id, variant, channel, tier, region, sent_at, submitted in answered.iterator(
        chunk_size=5000
    ):
        minutes = max((submitted - sent_at).total_seconds(), 0) / 60
        for row in (
            total,
            by_rule.get((rule_id, variant)),
            by_channel.get(channel),
            by_segment.get(tier),
            by_region.get(region),
        ):
            if row is not None:
                row.minutes.append(minutes)
    questions = survey_questions(survey)
    splits = [
        split_verdict(
            Split(rule, by_rule.get((pk, "A"), Row("A")), by_rule.get((pk, "B"), Row("B")))
        )
        for pk, rule in rules.items()
        if rule.is_split or (pk, "B") in by_rule
    ]
    return Funnel(
        survey=survey,
        since=since,
        total=total,
        by_rule=sorted(by_rule.values(), key=lambda row: row.label),
        by_channel=sorted(by_channel.values(), key=lambda row: row.label),
        by_segment=sorted(by_segment.values(), key=lambda row: row.label),
        by_region=sorted(by_region.values(), key=lambda row: row.label),
        by_hour=[hours[h] for h in sorted(hours) if hours[h].sent],
        by_weekday=[weekdays[d] for d in sorted(weekdays) if weekdays[d].sent],
        reasons=reasons.most_common(10),
        stopped=[
            (
                _("Before answering anything")
                if n == 0
                else _("After %(number)s. %(question)s")
                % {"number": n, "question": questions[n - 1].prompt},
                count,
            )
            for n, count in sorted(stopped.items())
            if count and n <= len(questions)
        ],
        splits=splits,
    )
