"""The "you said, we did" report: what customers raise, what we changed, and whether it helped.

Every figure is one SQL aggregate over the period, so the page costs the same number of queries
however much feedback there is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import Message
from recovery.dashboards.figures.tables import Table, rounded
from recovery.models import Improvement, ImprovementLink, ImprovementNotice
from surveys.models import Complaint, Response, Topic
from surveys.selectors import nps_first_after, nps_last_before


@dataclass
class Theme:
    topic: Topic
    items: int = 0
    negative: int = 0
    open_loop: int = 0
    improvements: list = field(default_factory=list)

    @property
    def negative_share(self) -> int:
        return round(100 * self.negative / self.items) if self.items else 0


def themes(*, since: datetime) -> list[Theme]:
    """Topics ranked by negative feedback, then volume, with their improvements and how much
    negative feedback has no improvement linked yet (the open loop)."""
    found: dict[int, Theme] = {topic.pk: Theme(topic) for topic in Topic.objects.all()}
    linked_responses = ImprovementLink.objects.filter(response__isnull=False).values("response_id")
    linked_complaints = ImprovementLink.objects.filter(complaint__isnull=False).values(
        "complaint_id"
    )
    for through, item, when, linked in (
        (Response.topics.through, "response", "submitted_at", linked_responses),
        (Complaint.topics.through, "complaint", "received_at", linked_complaints),
    ):
        negative = Q(**{f"{item}__sentiment": "negative"})
        rows = (
            through.objects.filter(**{f"{item}__{when}__gte": since})
            .values("topic_id")
            .annotate(
                n=Count("id"),
                neg=Count("id", filter=negative),
                open=Count("id", filter=negative & ~Q(**{f"{item}_id__in": linked})),
            )
        )
        for row in rows:
            theme = found[row["topic_id"]]
            theme.items += row["n"]
            theme.negative += row["neg"]
            theme.open_loop += row["open"]
    for improvement in Improvement.objects.prefetch_related("topics").order_by("-created_at"):
        for topic in improvement.topics.all():
            found[topic.pk].improvements.append(improvement)
    ranked = [t for t in found.values() if t.items or t.improvements]
    return sorted(ranked, key=lambda t: (-t.negative, -t.items, t.topic.name))


@dataclass
class Outcome:
    improvement: Improvement
    first_feedback: datetime | None = None
    told: int = 0
    suppressed: int = 0
    waiting: int = 0
    came_back: int = 0
    nps_before: float | None = None
    nps_after: float | None = None

    @property
    def days_to_fix(self) -> int | None:
        if self.first_feedback and self.improvement.shipped_at:
            return max(0, (self.improvement.shipped_at - self.first_feedback).days)
        return None


def outcomes() -> list[Outcome]:
    """For each shipped improvement: time from the first feedback to the fix, customers told,
    and the NPS of those told before and after they were told (each one's last NPS answer
    before the notice and first after it; "came back" counts those who answered after)."""
    shipped = {
        i.pk: Outcome(i)
        for i in Improvement.objects.filter(status=Improvement.Status.SHIPPED).order_by(
            "-shipped_at"
        )
    }
    firsts = (
        ImprovementLink.objects.filter(improvement_id__in=shipped)
        .values("improvement_id")
        .annotate(
            response=Min("response__submitted_at"),
            complaint=Min("complaint__received_at"),
            ticket=Min("ticket__opened_at"),
        )
    )
    for row in firsts:
        moments = [row[k] for k in ("response", "complaint", "ticket") if row[k]]
        shipped[row["improvement_id"]].first_feedback = min(moments) if moments else None
    told = (
        ImprovementNotice.objects.filter(improvement_id__in=shipped)
        .values("improvement_id")
        .annotate(
            sent=Count("id", filter=Q(message__status=Message.Status.SENT)),
            # Never reached them: refused by the policy, failed, or waited past the limit.
            suppressed=Count(
                "id",
                filter=Q(message__status__in=[Message.Status.SUPPRESSED, Message.Status.FAILED])
                | Q(status=ImprovementNotice.Status.EXPIRED),
            ),
            waiting=Count("id", filter=Q(status=ImprovementNotice.Status.WAITING)),
        )
    )
    for row in told:
        shipped[row["improvement_id"]].told = row["sent"]
        shipped[row["improvement_id"]].suppressed = row["suppressed"]
        shipped[row["improvement_id"]].waiting = row["waiting"]
    # Each customer told: their last NPS answer before the notice and their first after it.
    scores = (
        ImprovementNotice.objects.filter(
            improvement_id__in=shipped, message__status=Message.Status.SENT
        )
        .annotate(
            nps_before=nps_last_before("created_at"), nps_after=nps_first_after("created_at", "gt")
        )
        .values("improvement_id")
        .annotate(before=Avg("nps_before"), after=Avg("nps_after"), came_back=Count("nps_after"))
        .order_by()
    )
    for row in scores:
        outcome = shipped[row["improvement_id"]]
        outcome.nps_before, outcome.nps_after = row["before"], row["after"]
        outcome.came_back = row["came_back"]
    return list(shipped.values())


def period(days: int) -> datetime:
    return timezone.now() - timedelta(days=max(1, min(days, 3650)))


OUTCOME_COLUMNS = [
    _("Told"),
    _("Not told"),
    _("Waiting"),
    _("Came back"),
    _("NPS before"),
    _("NPS after"),
    _("Change"),
]


def themes_table(rows: list[Theme]) -> Table:
    return Table(
        _("Themes: what customers raise"),
        [
            _("Topic"),
            _("Feedback"),
            _("Negative"),
            _("Negative share %"),
            _("Open loop"),
            _("Improvements"),
        ],
        [
            [
                t.topic.name,
                t.items,
                t.negative,
                t.negative_share,
                t.open_loop,
                "; ".join(f"{i.title} ({i.status})" for i in t.improvements),
            ]
            for t in rows
        ],
    )


def outcomes_table(rows: list[Outcome], *, shipped_column: bool = False) -> Table:
    """Each shipped improvement: who was told, who came back, NPS before and after."""

    def change(o):
        if o.nps_after is None or o.nps_before is None:
            return None
        return rounded(o.nps_after - o.nps_before)

    shipped = [_("Shipped"), _("Days from first feedback")] if shipped_column else []
    return Table(
        "\u201cYou said, we did\u201d notices",
        [_("Improvement"), *shipped, *OUTCOME_COLUMNS],
        [
            [
                o.improvement.title,
                *(
                    [o.improvement.shipped_at.date().isoformat(), o.days_to_fix]
                    if shipped_column
                    else []
                ),
                o.told,
                o.suppressed,
                o.waiting,
                o.came_back,
                rounded(o.nps_before),
                rounded(o.nps_after),
                change(o),
            ]
            for o in rows
        ],
        chart="" if shipped_column else "bar",
        series=() if shipped_column else (1, 2),
    )
