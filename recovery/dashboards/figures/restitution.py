"""Restitution: what recovery cost, by kind, topic, team and month, per currency; the share that
needed a manager's approval; and the cost per recovered customer."""

from __future__ import annotations

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from recovery.dashboards.figures.tables import Dashboard, Table, pct
from recovery.dashboards.filters import Filters
from recovery.models import Restitution, Ticket

MONEY = {"total": Sum("amount"), "average": Avg("amount"), "n": Count("id")}
MONEY_COLUMNS = [_("Currency"), _("Total"), _("Average"), _("Count")]


def restitution(f: Filters) -> Dashboard:
    given = Restitution.objects.filter(ticket__in=f.tickets(Ticket.objects.all()))
    granted = given.filter(status=Restitution.Status.GRANTED, amount__isnull=False)
    dashboard = Dashboard(_("Restitution"))
    dashboard.tables["by_kind"] = _cost_by(granted, _("Cost by kind"), "kind", _("Kind"))
    dashboard.tables["by_topic"] = _cost_by(
        granted, _("Cost by topic"), "ticket__topics__name", _("Topic")
    )
    dashboard.tables["by_team"] = _cost_by(
        granted, _("Cost by team"), "ticket__team__name", _("Team")
    )
    dashboard.tables["by_month"] = _cost_by_month(granted)
    recovered = (
        f.tickets(Ticket.objects.filter(recovered=True)).values("customer_id").distinct().count()
    )
    dashboard.tables["per_recovered_customer"] = _per_recovered(granted, recovered)
    approvals = given.aggregate(
        n=Count("id"),
        approval=Count(
            "id", filter=Q(decided_at__isnull=False) | Q(status=Restitution.Status.PENDING)
        ),
    )
    dashboard.headline = [
        (_("Restitutions"), approvals["n"]),
        (_("Needed approval %"), pct(approvals["approval"], approvals["n"])),
        (_("Recovered customers"), recovered),
    ]
    return dashboard


def _cost_by(granted, title: str, key: str, label: str) -> Table:
    rows = granted.values(key, "currency").annotate(**MONEY).order_by(key, "currency")
    return Table(
        title,
        [label, *MONEY_COLUMNS],
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
        chart="bar",
        series=(2,),
    )


def _cost_by_month(granted) -> Table:
    months = (
        granted.annotate(month=TruncMonth("created_at"))
        .values("month", "currency")
        .annotate(**MONEY)
        .order_by("month", "currency")
    )
    return Table(
        _("Cost by month"),
        [_("Month"), *MONEY_COLUMNS],
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


def _per_recovered(granted, recovered: int) -> Table:
    totals = granted.values("currency").annotate(total=Sum("amount")).order_by("currency")
    return Table(
        _("Cost per recovered customer"),
        [
            _("Currency"),
            _("Total given"),
            _("Recovered customers"),
            _("Cost per recovered customer"),
        ],
        [
            [
                r["currency"],
                r["total"],
                recovered,
                round(r["total"] / recovered, 2) if recovered else None,
            ]
            for r in totals
        ],
        note=_(
            "All restitution given in the period, divided by the customers who said we made it "
            "right."
        ),
    )
