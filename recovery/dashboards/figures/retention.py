"""Retention after recovery: of customers with a ticket, who came back within 30, 90 and 180
days, recovered or not, and their NPS before the ticket and after its resolution."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from recovery.dashboards.figures.tables import Dashboard, Table, pct, rounded
from recovery.dashboards.filters import Filters
from recovery.models import Ticket
from surveys.selectors import nps_first_after, nps_last_before

WINDOWS = (30, 90, 180)


def retention(f: Filters) -> Dashboard:
    """Of customers with a ticket, who came back (a later event or survey answer, not the
    follow-up itself) within 30, 90 and 180 days of the ticket, recovered or not."""
    tickets = f.tickets(Ticket.objects.all())
    windows = {
        f"back_{days}": Count("id", filter=Q(came_back_after__lte=timedelta(days=days)))
        for days in WINDOWS
    }
    groups = {True: _("Recovered"), False: _("Not recovered"), None: _("No answer yet")}
    rows = []
    for row in tickets.values("recovered").annotate(n=Count("id"), **windows).order_by("recovered"):
        rows.append(
            [
                groups[row["recovered"]],
                row["n"],
                *[pct(row[f"back_{d}"], row["n"]) for d in WINDOWS],
            ]
        )
    dashboard = Dashboard(_("Retention after recovery"))
    dashboard.tables["came_back"] = Table(
        _("Came back within"),
        [_("Customers"), _("Tickets"), *[f"{d} days %" for d in WINDOWS]],
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
        _("NPS before the ticket and after its resolution"),
        [_("Customers"), _("Mean NPS before"), _("Mean NPS after")],
        [[groups[r["recovered"]], rounded(r["before"]), rounded(r["after"])] for r in before_after],
        chart="bar",
        series=(1, 2),
        note=_(
            "Each customer's last NPS answer before the ticket opened and first after it was "
            "resolved."
        ),
    )
    recovered = next((r for r in rows if r[0] == _("Recovered")), None)
    not_recovered = next((r for r in rows if r[0] == _("Not recovered")), None)
    dashboard.headline = [
        (_("Came back in 90 days, recovered %"), recovered[3] if recovered else None),
        (_("Came back in 90 days, not recovered %"), not_recovered[3] if not_recovered else None),
    ]
    return dashboard
