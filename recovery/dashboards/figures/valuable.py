"""Most valuable customers: scores and open tickets by value tier, and the top-tier customers who
have a case open right now."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import Customer, ValueTier
from recovery.dashboards.figures.tables import (
    ROLLED_SCORES,
    SCORE_COLUMNS,
    Dashboard,
    Table,
    days,
    rollup,
    scores,
)
from recovery.dashboards.filters import Filters
from recovery.models import OPEN_STATES, Ticket

TOP_TIERS = (ValueTier.PLATINUM, ValueTier.GOLD)


def valuable(f: Filters) -> Dashboard:
    tiers = days(f, "value_tier").values("value_tier").annotate(**ROLLED_SCORES).order_by()
    scored = {value: scores(row) for value, row in rollup(tiers, "value_tier").items()}
    open_by_tier = {
        row["customer__value_tier"]: row["n"]
        for row in Ticket.objects.filter(state__in=OPEN_STATES)
        .values("customer__value_tier")
        .annotate(n=Count("id"))
    }
    dashboard = Dashboard(_("Most valuable customers"))
    dashboard.tables["by_tier"] = Table(
        _("Scores and open tickets by value tier"),
        [_("Value tier"), *SCORE_COLUMNS, _("Open tickets")],
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
        _("Top-tier customers with open tickets"),
        [_("Customer"), _("Number"), _("Value tier"), _("Open tickets"), _("High or urgent")],
        [
            [c.full_name or f"#{c.pk}", c.pk, c.get_value_tier_display(), c.open_tickets, c.worst]
            for c in customers
        ],
    )
    dashboard.headline = [
        (_("Open tickets of top-tier customers"), sum(open_by_tier.get(t, 0) for t in TOP_TIERS))
    ]
    return dashboard
