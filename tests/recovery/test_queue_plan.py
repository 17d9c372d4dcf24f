"""The queue's default order and its "Due today" count are read from the index made for them
(recovery.models.NEXT_DUE, index ticket_next_due), and the planner's statistics that let SQLite
choose it are refreshed on a schedule."""

import pytest

from feedback_app.core.maintenance import planner_statistics_refresh
from recovery.models import Ticket
from recovery.selectors import ACTION_STATES, sort_tickets
from tests.factories import open_ticket
from tests.plans import query_plan, sqlite_only

pytestmark = pytest.mark.django_db


@sqlite_only
def test_the_default_order_is_the_index_order_not_a_sort():
    """If NEXT_DUE and the queue's sort ever drift apart, the index can no longer give the
    order and SQLite sorts every open ticket again: the plan shows it."""
    ids = sort_tickets(Ticket.objects.filter(state__in=ACTION_STATES), "next_due")
    sql, params = ids.values_list("pk", flat=True)[:50].query.sql_with_params()
    forced = sql.replace(
        'FROM "recovery_ticket"', 'FROM "recovery_ticket" INDEXED BY ticket_next_due'
    )
    plan = query_plan(forced, params)
    assert "ticket_next_due" in plan and "TEMP B-TREE" not in plan, plan


@sqlite_only
def test_statistics_are_refreshed_and_the_planner_then_takes_the_index():
    for n in range(30):
        open_ticket(email=f"c{n}@example.com", reference=f"A-{n}")
    assert "recovery_ticket" in planner_statistics_refresh()
    ids = sort_tickets(Ticket.objects.filter(state__in=ACTION_STATES), "next_due")
    sql, params = ids.values_list("pk", flat=True)[:50].query.sql_with_params()
    assert "ticket_next_due" in query_plan(sql, params)


def test_the_order_is_next_due_first_none_due_last():
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    soon, later, undated = (open_ticket(email=f"{n}@example.com") for n in "abc")
    Ticket.objects.filter(pk=soon.pk).update(apology_due_at=now + timedelta(hours=1))
    Ticket.objects.filter(pk=later.pk).update(apology_due_at=now + timedelta(hours=5))
    Ticket.objects.filter(pk=undated.pk).update(apology_due_at=None, resolution_due_at=None)
    order = sort_tickets(Ticket.objects.filter(state__in=ACTION_STATES), "next_due")
    assert list(order.values_list("pk", flat=True)) == [soon.pk, later.pk, undated.pk]
