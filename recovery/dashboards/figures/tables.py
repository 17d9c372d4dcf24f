"""What every dashboard is built from: the Table and Dashboard they return, and the small
builders that read the day tables and the invitations. Every figure is one SQL aggregate;
Python only arranges the rows. Pages draw a chart from a table and show the table beside it;
CSV (recovery.exports.table_csv) and the API give the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import Channel
from recovery.dashboards.filters import Filters
from surveys.models import FeedbackDay, Invitation
from surveys.selectors import SCORE_AGGREGATES, scores_from
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
    # Where each row's own records are (a drill-down from its cell and its chart point), or "".
    links: list[str] = field(default_factory=list)

    def __post_init__(self):
        # Titles, columns and labels in the reader's language, fixed now: charts, CSV and JSON
        # get plain text.
        self.title, self.note = words(self.title), words(self.note)
        self.columns = [words(column) for column in self.columns]
        self.rows = [[words(cell) for cell in row] for row in self.rows]

    def as_dict(self) -> dict:
        shape = {"title": self.title, "columns": self.columns, "rows": self.rows, "note": self.note}
        if self.links:
            shape["links"] = self.links
        return shape

    def linked_rows(self) -> list[tuple[str, list]]:
        return list(zip(self.links or [""] * len(self.rows), self.rows, strict=True))


@dataclass
class Dashboard:
    title: str
    headline: list[tuple[str, object]] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    cards: list = field(default_factory=list)  # the overview's figures (overview.Card)

    def __post_init__(self):
        self.title = words(self.title)

    def as_dict(self) -> dict:
        shape = {
            "title": self.title,
            "headline": {words(label): value for label, value in self.headline},
            "tables": {key: table.as_dict() for key, table in self.tables.items()},
        }
        if self.cards:
            shape["cards"] = [card.as_dict() for card in self.cards]
        return shape


def words(value):
    """A label of ours (a lazy translation) as text in the active language; anything else as
    it is."""
    return str(value) if isinstance(value, Promise) else value


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def rounded(value, digits: int = 1):
    return round(value, digits) if value is not None else None


def scores(row: dict) -> list:
    """The score columns of one SCORE_AGGREGATES row (see surveys.selectors)."""
    figures = scores_from(row)
    return [figures[key] for key in ("nps", "nps_n", "csat", "csat_n", "ces", "ces_n")]


SCORE_COLUMNS = [
    "NPS",
    _("NPS answers"),
    "CSAT %",
    _("CSAT answers"),
    _("CES mean"),
    _("CES answers"),
]


# Scores, sentiment and topics come from the day tables the surveys services keep (FeedbackDay,
# TopicDay): a few rows per day at the grain each table needs, whatever the number of answers.
ROLLED_SCORES = {name: Sum(name) for name in SCORE_AGGREGATES}


SENTIMENTS = ("negative", "neutral", "positive")


def days(f: Filters, *breakdowns: str, table=FeedbackDay, since=None):
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


def bucket(day: date, period: str) -> date:
    """The first day of the week (Monday) or month holding `day`."""
    return day - timedelta(days=day.weekday()) if period == "week" else day.replace(day=1)


def rollup(rows, key: str | None) -> dict:
    """Add up the (additive) score aggregates of the grouped rows by one key (None: all)."""
    totals: dict = {}
    for row in rows:
        into = totals.setdefault(row[key] if key else None, dict.fromkeys(SCORE_AGGREGATES, 0))
        for name in SCORE_AGGREGATES:
            into[name] += row[name] or 0
    return totals


def by(rows, key: str, label=lambda value: value, order: list | None = None) -> list[list]:
    """One row of scores per value of `key`, labelled for people, in `order` if given (for
    example age bands youngest first), else alphabetically; unknown values last."""
    rolled = rollup(rows, key)

    def position(value):
        if not value:
            return (2, "")
        if order and value in order:
            return (0, order.index(value))
        return (1, str(value).lower())

    return [[label(value), *scores(rolled[value])] for value in sorted(rolled, key=position)]


SENT = [Invitation.Status.SENT, Invitation.Status.ANSWERED]


INVITATION_COUNTS = {
    "sent": Count("id", filter=Q(status__in=SENT)),
    "answered": Count("id", filter=Q(status=Invitation.Status.ANSWERED)),
    "suppressed": Count("id", filter=Q(status=Invitation.Status.SUPPRESSED)),
}


def invitations(f: Filters):
    """Invitations scheduled in the range, for customers in the segment filtered on."""
    return Invitation.objects.filter(scheduled_for__gte=f.start, scheduled_for__lt=f.end).filter(
        f.customer_q("")
    )
