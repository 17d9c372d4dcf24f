"""The experience standards, measured: each measure computes one figure over a period from the
data (with how many cases it counted), and the scorecard puts every standard's figure now, its
previous period and its trend beside the mystery shoppers' scores and the target."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import Message
from recovery.business_hours import add_business_hours, business_day_hours
from recovery.dashboards.figures.tables import Dashboard, Table, pct
from recovery.dashboards.filters import Filters
from recovery.models import (
    ExperienceStandard,
    ImprovementNotice,
    MysteryScore,
    Ticket,
    TicketEvent,
    TicketItem,
)
from surveys.models import Response

# Below this many cases a figure is shown, marked as resting on few cases.
LOW_SAMPLE = 10


@dataclass(frozen=True)
class Figure:
    value: float | None  # None: nothing to measure yet (never shown as 0)
    n: int  # the cases it counts

    @property
    def low_sample(self) -> bool:
        return 0 < self.n < LOW_SAMPLE


def _skipped_apology():
    return TicketEvent.objects.filter(
        ticket=OuterRef("pk"), kind=TicketEvent.Kind.SKIPPED, payload__step="apologise"
    )


def detractor_contact(start: datetime, end: datetime) -> Figure:
    """Of tickets opened from a detractor's answer (NPS 0-6), the share whose apology came
    within one business day. A ticket still inside its day without one is not judged yet."""
    detractors = TicketItem.objects.filter(ticket=OuterRef("pk"), response__nps__lte=6)
    rows = (
        Ticket.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .filter(Exists(detractors))
        .values_list("opened_at", "apologised_at")
    )
    day, now = business_day_hours(), timezone.now()
    judged = met = 0
    for opened, apologised in rows:
        deadline = add_business_hours(opened, day)
        if apologised is None and deadline > now:
            continue
        judged += 1
        met += apologised is not None and apologised <= deadline
    return Figure(pct(met, judged), judged)


def apology_first(start: datetime, end: datetime) -> Figure:
    """Of tickets given restitution, the share apologised to (or apologised to by phone, the
    step skipped with a reason) before the first offer."""
    tickets = Ticket.objects.filter(
        opened_at__gte=start, opened_at__lt=end, restitutions__isnull=False
    ).annotate(
        first_offer=Min("restitutions__created_at"),
        phoned=Min(
            "events__created_at",
            filter=Q(events__kind=TicketEvent.Kind.SKIPPED, events__payload__step="apologise"),
        ),
    )
    counts = tickets.aggregate(
        n=Count("id"),
        met=Count(
            "id",
            filter=Q(apologised_at__lte=F("first_offer")) | Q(phoned__lte=F("first_offer")),
        ),
    )
    return Figure(pct(counts["met"], counts["n"]), counts["n"])


def apology_in_sla(start: datetime, end: datetime) -> Figure:
    """Of tickets opened in the period whose apology is due or done, the share apologised to
    in time."""
    now = timezone.now()
    tickets = Ticket.objects.filter(
        opened_at__gte=start, opened_at__lt=end, apology_due_at__isnull=False
    ).filter(Q(apologised_at__isnull=False) | Q(apology_due_at__lt=now))
    tickets = tickets.exclude(Exists(_skipped_apology()))
    counts = tickets.aggregate(
        n=Count("id"), met=Count("id", filter=Q(apologised_at__lte=F("apology_due_at")))
    )
    return Figure(pct(counts["met"], counts["n"]), counts["n"])


def told_what_changed(start: datetime, end: datetime) -> Figure:
    """Of the customers an improvement shipped in the period was for, the share told what
    changed (the message went out; a notice still waiting or expired does not count)."""
    notices = ImprovementNotice.objects.filter(
        kind=ImprovementNotice.Kind.SHIPPED,
        improvement__shipped_at__gte=start,
        improvement__shipped_at__lt=end,
    )
    counts = notices.aggregate(
        n=Count("id"),
        met=Count("id", filter=Q(message__status=Message.Status.SENT)),
    )
    return Figure(pct(counts["met"], counts["n"]), counts["n"])


def recovery_rate(start: datetime, end: datetime) -> Figure:
    """Of tickets opened in the period whose customer said whether we made it right, the share
    who said yes."""
    counts = Ticket.objects.filter(
        opened_at__gte=start, opened_at__lt=end, recovered__isnull=False
    ).aggregate(n=Count("id"), met=Count("id", filter=Q(recovered=True)))
    return Figure(pct(counts["met"], counts["n"]), counts["n"])


def nps(start: datetime, end: datetime) -> Figure:
    """NPS of the answers given in the period."""
    counts = Response.objects.filter(
        submitted_at__gte=start, submitted_at__lt=end, nps__isnull=False
    ).aggregate(
        n=Count("id"),
        promoters=Count("id", filter=Q(nps__gte=9)),
        detractors=Count("id", filter=Q(nps__lte=6)),
    )
    n = counts["n"]
    value = round(100 * (counts["promoters"] - counts["detractors"]) / n, 1) if n else None
    return Figure(value, n)


MEASURES: dict[str, Callable[[datetime, datetime], Figure]] = {
    ExperienceStandard.Measure.DETRACTOR_CONTACT: detractor_contact,
    ExperienceStandard.Measure.APOLOGY_FIRST: apology_first,
    ExperienceStandard.Measure.APOLOGY_IN_SLA: apology_in_sla,
    ExperienceStandard.Measure.TOLD_WHAT_CHANGED: told_what_changed,
    ExperienceStandard.Measure.RECOVERY_RATE: recovery_rate,
    ExperienceStandard.Measure.NPS: nps,
}


def periods(f: Filters) -> list[tuple[datetime, datetime]]:
    """The filters' range cut into its weeks or months (the first and last may be partial)."""
    cuts, moment = [], f.start
    while moment < f.end:
        local = timezone.localtime(moment)
        if f.period == "week":
            following = local.date() - timedelta(days=local.weekday()) + timedelta(days=7)
        else:
            following = (local.date().replace(day=1) + timedelta(days=32)).replace(day=1)
        upto = min(f.end, datetime.combine(following, datetime.min.time(), local.tzinfo))
        cuts.append((moment, upto))
        moment = upto
    return cuts


def scorecard(f: Filters) -> Dashboard:
    standards = list(ExperienceStandard.objects.filter(active=True))
    previous = f.previous()
    mystery = _mystery(f, standards)
    rows = []
    for standard in standards:
        measure = MEASURES.get(standard.measure)
        now = measure(f.start, f.end) if measure else Figure(None, 0)
        before = measure(*previous) if measure else Figure(None, 0)
        shoppers = mystery.get(standard.pk, {})
        rows.append(
            [
                standard.promise,
                float(standard.target),
                now.value,
                now.n,
                before.value,
                _verdict(now, standard),
                shoppers.get("score"),
                shoppers.get("visits", 0),
            ]
        )
    dashboard = Dashboard(_("Experience standards"))
    dashboard.tables["standards"] = Table(
        _("Our standards, measured and mystery-shopped"),
        [
            _("Standard"),
            _("Target"),
            _("Measured"),
            _("Cases"),
            _("Previous period"),
            _("Verdict"),
            _("Mystery shoppers %"),
            _("Visits"),
        ],
        rows,
        note=f"Measured from the data over the period; fewer than {LOW_SAMPLE} cases is a low "
        "sample. Mystery shoppers score each visit met (100), partly met (50) or missed (0).",
    )
    dashboard.tables["trend"] = _trend(f, standards)
    met = sum(1 for row in rows if row[5] == "met")
    judged = sum(1 for row in rows if row[5] in ("met", "missed"))
    met_of = _("%(met)s of %(judged)s") % {"met": met, "judged": judged} if judged else None
    dashboard.headline = [(_("Standards met"), met_of)]
    return dashboard


def _verdict(figure: Figure, standard: ExperienceStandard) -> str:
    if figure.value is None:
        return "no data yet" if standard.measure else "shoppers only"
    verdict = "met" if figure.value >= float(standard.target) else "missed"
    return f"{verdict} (few cases)" if figure.low_sample else verdict


def _mystery(f: Filters, standards) -> dict[int, dict]:
    rows = (
        MysteryScore.objects.filter(
            standard__in=standards,
            visit__visited_on__gte=timezone.localtime(f.start).date(),
            visit__visited_on__lt=timezone.localtime(f.end).date(),
        )
        .values("standard")
        .annotate(score=Avg("result"), visits=Count("visit", distinct=True))
        .order_by()
    )
    return {r["standard"]: {"score": round(r["score"], 1), "visits": r["visits"]} for r in rows}


def _trend(f: Filters, standards) -> Table:
    measured = [s for s in standards if s.measure in MEASURES]
    rows = []
    for start, end in periods(f):
        figures = [MEASURES[s.measure](start, end).value for s in measured]
        rows.append([timezone.localtime(start).date().isoformat(), *figures])
    return Table(
        f"Each measured standard by {f.period}",
        [f.period.capitalize(), *[s.promise for s in measured]],
        rows if measured else [],
        chart="line",
        series=tuple(range(1, len(measured) + 1)),
        note=_("Percentages, and NPS on the same -100 to 100 scale."),
    )
