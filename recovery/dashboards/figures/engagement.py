"""Engagement: per survey, what was sent, suppressed and answered and how recipients' NPS moved;
per "you said, we did" notice, who was told and whether they came back."""

from __future__ import annotations

from django.db.models import Avg
from django.utils.translation import gettext_lazy as _

from recovery.dashboards.figures.loop import outcomes, outcomes_table
from recovery.dashboards.figures.tables import (
    INVITATION_COUNTS,
    SENT,
    Dashboard,
    Table,
    invitations,
    pct,
    rounded,
)
from recovery.dashboards.filters import Filters
from surveys.selectors import nps_first_after, nps_last_before

SURVEY_COLUMNS = [
    _("Survey"),
    _("Sent"),
    _("Suppressed"),
    _("Answered"),
    _("Answered %"),
    _("NPS before"),
    _("NPS after"),
    _("Change"),
]


def engagement(f: Filters) -> Dashboard:
    dashboard = Dashboard(_("Engagement"))
    dashboard.tables["surveys"] = _surveys(f)
    notices = [
        o
        for o in outcomes()
        if o.improvement.shipped_at and f.start <= o.improvement.shipped_at < f.end
    ]
    dashboard.tables["notices"] = outcomes_table(notices)
    return dashboard


def _change(before, after):
    return rounded(after - before) if before is not None and after is not None else None


def _surveys(f: Filters) -> Table:
    sent = invitations(f)
    per_survey = (
        sent.values("survey_id", "survey__name")
        .annotate(**INVITATION_COUNTS)
        .order_by("survey__name")
    )
    change = (
        sent.filter(status__in=SENT, sent_at__isnull=False)
        .annotate(before=nps_last_before("sent_at"), after=nps_first_after("sent_at", "gte"))
        .values("survey_id")
        .annotate(before=Avg("before"), after=Avg("after"))
        .order_by()
    )
    changes = {row["survey_id"]: row for row in change}
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
                pct(r["answered"], r["sent"]),
                rounded(before),
                rounded(after),
                _change(before, after),
            ]
        )
    return Table(
        _("Surveys"),
        SURVEY_COLUMNS,
        rows,
        chart="bar",
        series=(1, 2, 3),
        note=_(
            "NPS before and after: each recipient's last NPS answer before the invitation went "
            "out and first one after it."
        ),
    )
