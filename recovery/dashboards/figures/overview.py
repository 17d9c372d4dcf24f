"""The manager's overview: are we recovering customers, and what did we change? Each card is one
figure over the period with the previous period of the same length, its trend by week or month,
a target where the manager set one, and a link to the rows behind it. A figure resting on few
cases is marked; a figure with nothing to count is "no data yet", never 0.

Each figure is one grouped query per range: the trend's buckets add up to the period's total."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import Message
from recovery.dashboards.figures.recovery import queue_link
from recovery.dashboards.figures.standards import LOW_SAMPLE
from recovery.dashboards.figures.tables import (
    ROLLED_SCORES,
    Dashboard,
    Table,
    bucket,
    days,
    pct,
    rollup,
    words,
)
from recovery.dashboards.filters import Filters
from recovery.models import ExperienceStandard, Improvement, ImprovementNotice, Restitution, Ticket
from surveys.selectors import scores_from

SAMPLED = {"recovery_rate", "came_back", "nps", "told"}


@dataclass
class Card:
    key: str
    label: str
    value: float | None
    cases: int
    previous: float | None
    unit: str  # "%", "" (a count or an NPS), or a currency code
    link: str
    question: str  # what the figure answers, in a manager's words
    target: float | None = None
    trend: list[tuple[str, float | None]] = field(default_factory=list)
    detail: str = ""

    def __post_init__(self):
        self.label, self.question, self.detail = map(
            words, (self.label, self.question, self.detail)
        )

    @property
    def low_sample(self) -> bool:
        """A rate or a score counted on few cases (a sum of money or a count is what it is)."""
        return self.key in SAMPLED and 0 < self.cases < LOW_SAMPLE

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)

    @property
    def on_target(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "cases": self.cases,
            "previous": self.previous,
            "change": self.change,
            "unit": self.unit,
            "target": self.target,
            "low_sample": self.low_sample,
            "trend": [{"period": period, "value": value} for period, value in self.trend],
            "link": self.link,
        }


# Long on purpose: the six cards are declared one after another, each reading as a sentence.
def overview(f: Filters) -> Dashboard:
    before = f.before()
    tickets, tickets_before = _tickets(f), _tickets(before)
    money, money_before = _restitution(f), _restitution(before)
    scores, scores_before = _nps(f), _nps(before)
    shipped, shipped_before = _shipped(f), _shipped(before)
    target = (
        ExperienceStandard.objects.filter(active=True, measure=ExperienceStandard.Measure.NPS)
        .values_list("target", flat=True)
        .first()
    )
    recovered_now = _sum(tickets, "recovered")
    cards = [
        Card(
            "recovery_rate",
            _("Recovery rate"),
            pct(recovered_now, _sum(tickets, "answered")),
            _sum(tickets, "answered"),
            pct(_sum(tickets_before, "recovered"), _sum(tickets_before, "answered")),
            "%",
            queue_link(f, recovered="yes"),
            _("Of customers who told us whether we made it right, how many said yes."),
            trend=_trend(tickets, lambda r: pct(r["recovered"], r["answered"])),
            detail=f"{recovered_now} of {_sum(tickets, 'answered')} said yes.",
        ),
        Card(
            "came_back",
            _("Customers who came back"),
            pct(_sum(tickets, "came_back"), _sum(tickets, "n")),
            _sum(tickets, "n"),
            pct(_sum(tickets_before, "came_back"), _sum(tickets_before, "n")),
            "%",
            _dashboard("retention", f),
            _("Of customers with a ticket, how many ordered or answered again afterwards."),
            trend=_trend(tickets, lambda r: pct(r["came_back"], r["n"])),
        ),
        Card(
            "nps",
            "NPS",
            _sum_nps(scores)["nps"],
            _sum_nps(scores)["nps_n"],
            _sum_nps(scores_before)["nps"],
            "",
            _dashboard("experience", f),
            _("How likely customers are to recommend us (-100 to 100)."),
            target=float(target) if target is not None else None,
            trend=_trend(scores, lambda r: scores_from(r)["nps"]),
        ),
        Card(
            "restitution",
            _("Restitution given"),
            float(_sum(money, "total")) if money else None,
            _sum(money, "n"),
            float(_sum(money_before, "total")) if money_before else None,
            settings.SHOP_CURRENCY,
            _dashboard("restitution", f),
            _("What recovery cost, in money granted."),
            trend=_trend(money, lambda r: float(r["total"])),
            detail=_per_recovered(_sum(money, "total"), recovered_now),
        ),
        Card(
            "shipped",
            _("Improvements shipped"),
            _sum(shipped, "shipped") if shipped else None,
            _sum(shipped, "shipped"),
            _sum(shipped_before, "shipped") if shipped_before else None,
            "",
            _loop_report(f),
            _("What we changed because customers asked."),
            trend=_trend(shipped, lambda r: r["shipped"]),
        ),
        Card(
            "told",
            _("Customers told what changed"),
            pct(_sum(shipped, "told"), _sum(shipped, "asked")),
            _sum(shipped, "asked"),
            pct(_sum(shipped_before, "told"), _sum(shipped_before, "asked")),
            "%",
            _loop_report(f),
            _("Of customers who asked for what shipped, how many we told."),
            trend=_trend(shipped, lambda r: pct(r["told"], r["asked"])),
            detail=f"{_sum(shipped, 'told')} of {_sum(shipped, 'asked')} told.",
        ),
    ]
    dashboard = Dashboard(_("Overview"), cards=cards)
    dashboard.tables["figures"] = Table(
        _("The figures"),
        [_("Figure"), _("This period"), _("Cases"), _("Previous period"), _("Target")],
        [[c.label, c.value, c.cases, c.previous, c.target] for c in cards],
        note=_(
            "A percentage resting on fewer than %(few)d cases is marked as a low sample; money "
            "is in %(currency)s."
        )
        % {"few": LOW_SAMPLE, "currency": settings.SHOP_CURRENCY},
    )
    return dashboard


def _trunc(f: Filters, moment: str):
    kind = TruncWeek if f.period == "week" else TruncMonth
    return kind(moment, tzinfo=timezone.get_current_timezone())


def _tickets(f: Filters) -> list[dict]:
    return list(
        f.tickets(Ticket.objects.all())
        .annotate(bucket=_trunc(f, "opened_at"))
        .values("bucket")
        .annotate(
            n=Count("id"),
            answered=Count("id", filter=Q(recovered__isnull=False)),
            recovered=Count("id", filter=Q(recovered=True)),
            came_back=Count("id", filter=Q(came_back_after__isnull=False)),
        )
        .order_by("bucket")
    )


def _restitution(f: Filters) -> list[dict]:
    return list(
        Restitution.objects.filter(
            ticket__in=f.tickets(Ticket.objects.all()),
            status=Restitution.Status.GRANTED,
            amount__isnull=False,
            currency=settings.SHOP_CURRENCY,
        )
        .annotate(bucket=_trunc(f, "ticket__opened_at"))
        .values("bucket")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("bucket")
    )


def _nps(f: Filters) -> list[dict]:
    """The score aggregates of the day tables by week or month (buckets with NPS answers)."""
    rows = list(days(f).values("day").annotate(**ROLLED_SCORES).order_by("day"))
    for row in rows:
        row["bucket"] = bucket(row["day"], f.period)
    grouped = rollup(rows, "bucket")
    return [{"bucket": key, **grouped[key]} for key in sorted(grouped) if grouped[key]["nps_n"]]


def _sum_nps(rows: list[dict]) -> dict:
    return scores_from(rollup(rows, None).get(None, dict.fromkeys(ROLLED_SCORES, 0)))


def _shipped(f: Filters) -> list[dict]:
    """Improvements shipped in the range, and their customers told (the message went out) of
    those who asked (a notice was made for them)."""
    shipped = {
        row["bucket"]: row
        for row in Improvement.objects.filter(
            status=Improvement.Status.SHIPPED, shipped_at__gte=f.start, shipped_at__lt=f.end
        )
        .annotate(bucket=_trunc(f, "shipped_at"))
        .values("bucket")
        .annotate(shipped=Count("id"))
        .order_by()
    }
    for row in (
        ImprovementNotice.objects.filter(
            kind=ImprovementNotice.Kind.SHIPPED,
            improvement__shipped_at__gte=f.start,
            improvement__shipped_at__lt=f.end,
        )
        .annotate(bucket=_trunc(f, "improvement__shipped_at"))
        .values("bucket")
        .annotate(
            asked=Count("id"), told=Count("id", filter=Q(message__status=Message.Status.SENT))
        )
        .order_by()
    ):
        shipped.setdefault(row["bucket"], {"bucket": row["bucket"], "shipped": 0}).update(row)
    rows = [{"asked": 0, "told": 0, **row} for row in shipped.values()]
    return sorted(rows, key=lambda row: row["bucket"])


def _sum(rows: list[dict], key: str):
    return sum((row[key] for row in rows), start=Decimal(0) if key == "total" else 0)


def _trend(rows: list[dict], figure) -> list[tuple[str, float | None]]:
    return [(_label(row["bucket"]), figure(row)) for row in rows]


def _label(moment) -> str:
    day = timezone.localtime(moment).date() if hasattr(moment, "hour") else moment
    return day.isoformat()


def _per_recovered(total: Decimal, recovered: int) -> str:
    if not recovered or not total:
        return ""
    return f"{(total / recovered).quantize(Decimal('0.01'))} per recovered customer."


def _loop_report(f: Filters) -> str:
    return reverse("recovery:loop-report") + "?" + urlencode({"days": (f.end - f.start).days})


def _dashboard(name: str, f: Filters) -> str:
    first, last = f.days()
    query = {"start": first.isoformat(), "end": last.isoformat(), "period": f.period}
    return reverse("recovery:dashboard", args=[name]) + "?" + urlencode(query)
