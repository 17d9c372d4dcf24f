"""Agents and teams: per person and per team, the tickets opened in the period, the first
response (median hours to the first message to the customer), the apology within its SLA, the
recovery rate, how satisfied customers were with the handling (the CSAT of the "did we make it
right?" follow-up, tied to the ticket and so to whoever handled it), and the restitution given
per recovered customer."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from statistics import median

from django.conf import settings
from django.db.models import Avg, Count, F, Min, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from recovery.dashboards.figures.tables import Dashboard, Table, pct
from recovery.dashboards.filters import Filters
from recovery.models import Restitution, Ticket, TicketEvent
from surveys.models import Answer, Question

COLUMNS = [
    _("Tickets"),
    _("First response, median hours"),
    _("Apology within SLA %"),
    _("Recovery rate %"),
    _("Said whether we made it right"),
    _("Handling CSAT, mean (1-5)"),
    _("Handling CSAT answers"),
    _("Restitution per recovered customer (%(currency)s)"),
]

GROUPS = {  # key: (column, table title, the group of tickets without one)
    "assignee": (_("Agent"), _("By agent"), _("(unassigned)")),
    "team": (_("Team"), _("By team"), _("(no team)")),
}
NOTE = _(
    "Tickets opened in the period, by whom they are assigned to now. First response: "
    "wall-clock hours to the first apology or reply. Handling CSAT: the customer's answer "
    "to “How satisfied are you with how we handled it?” in the follow-up sent on "
    "resolution (1 very dissatisfied, 5 very satisfied). Restitution: granted, in "
    "%(currency)s."
)


def performance(f: Filters) -> Dashboard:
    tickets = f.tickets(Ticket.objects.all())
    dashboard = Dashboard(_("Agents and teams"))
    for key, (label, title, nobody) in GROUPS.items():
        dashboard.tables[f"by_{key}"] = _table(tickets, key, label, str(title), str(nobody))
    return dashboard


def _table(tickets, key: str, label: str, title: str, nobody: str) -> Table:
    names = _names(tickets, key)
    counts = {
        row[key]: row
        for row in tickets.values(key)
        .annotate(
            n=Count("id"),
            judged=Count("id", filter=Q(apologised_at__isnull=False)),
            in_sla=Count("id", filter=Q(apologised_at__lte=F("apology_due_at"))),
            answered=Count("id", filter=Q(recovered__isnull=False)),
            recovered=Count("id", filter=Q(recovered=True)),
        )
        .order_by()
    }
    handling = _handling(tickets, key)
    waits = _first_responses(tickets, key)
    money = {
        row[f"ticket__{key}"]: row["total"]
        for row in Restitution.objects.filter(
            ticket__in=tickets,
            status=Restitution.Status.GRANTED,
            currency=settings.SHOP_CURRENCY,
            amount__isnull=False,
        )
        .values(f"ticket__{key}")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    rows = []
    for group, row in counts.items():
        spent = money.get(group)
        rows.append(
            [
                names.get(group, nobody),
                row["n"],
                round(median(waits[group]), 1) if waits.get(group) else None,
                pct(row["in_sla"], row["judged"]),
                pct(row["recovered"], row["answered"]),
                row["answered"],
                handling.get(group, (None, 0))[0],
                handling.get(group, (None, 0))[1],
                (spent / row["recovered"]).quantize(Decimal("0.01"))
                if spent and row["recovered"]
                else None,
            ]
        )
    rows.sort(key=lambda r: (r[0] == nobody, str(r[0]).lower()))
    currency = {"currency": settings.SHOP_CURRENCY}
    columns = [label, *COLUMNS[:-1], COLUMNS[-1] % currency]
    return Table(title, columns, rows, chart="bar", series=(4,), note=NOTE % currency)


def _handling(tickets, key: str) -> dict:
    """(mean, answers) of the handling CSAT per group: the CSAT answer of each ticket's
    follow-up ("how satisfied are you with how we handled it?")."""
    csat = Answer.objects.filter(
        response__invitation_id=OuterRef("follow_up_id"), question__kind=Question.Kind.CSAT
    ).values("number")[:1]
    rows = (
        tickets.exclude(follow_up=None)
        .annotate(handling=Subquery(csat))
        .values(key)
        .annotate(mean=Avg("handling"), answers=Count("handling"))
        .order_by()
    )
    return {row[key]: (round(row["mean"], 2), row["answers"]) for row in rows if row["answers"]}


def _names(tickets, key: str) -> dict:
    if key == "team":
        rows = tickets.exclude(team=None).values_list("team", "team__name").distinct()
        return dict(rows)
    rows = (
        tickets.exclude(assignee=None)
        .values_list(
            "assignee", "assignee__first_name", "assignee__last_name", "assignee__username"
        )
        .distinct()
    )
    return {pk: f"{first} {last}".strip() or username for pk, first, last, username in rows}


def _first_responses(tickets, key: str) -> dict:
    """Hours from opening to the first message to the customer, per group."""
    first = (
        TicketEvent.objects.filter(
            ticket__in=tickets, kind__in=[TicketEvent.Kind.APOLOGISED, TicketEvent.Kind.REPLIED]
        )
        .values("ticket_id", f"ticket__{key}", "ticket__opened_at")
        .annotate(first=Min("created_at"))
        .order_by()
    )
    waits: dict = defaultdict(list)
    for row in first:
        hours = (row["first"] - row["ticket__opened_at"]).total_seconds() / 3600
        waits[row[f"ticket__{key}"]].append(max(hours, 0.0))
    return waits
