"""`counts_at_once`: several counts in one statement, each the same as its own `.count()`."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback_app.core.counts import counts_at_once
from recovery.models import Ticket
from tests.factories import open_ticket, staff_user

pytestmark = pytest.mark.django_db


def test_each_count_is_its_querysets_count_in_one_statement():
    alex = staff_user("agent", username="alex")
    open_ticket(email="a@example.com", assignee=alex, priority=4)
    open_ticket(email="b@example.com", assignee=alex, priority=1)
    open_ticket(email="c@example.com", priority=4)
    figures = {
        "mine": Ticket.objects.filter(assignee=alex),
        "urgent": Ticket.objects.filter(priority=4).order_by("-opened_at"),  # order dropped
        "none": Ticket.objects.filter(subject="nothing like this"),
        "all": Ticket.objects.all(),
    }
    with CaptureQueriesContext(connection) as captured:
        counted = counts_at_once(**figures)
    assert len(captured.captured_queries) == 1
    assert counted == {name: queryset.count() for name, queryset in figures.items()}
    assert counted == {"mine": 2, "urgent": 2, "none": 0, "all": 3}


def test_values_stay_parameters():
    hostile = "x') OR 1=1; --"
    open_ticket(email="a@example.com", subject=hostile)
    assert counts_at_once(
        same=Ticket.objects.filter(subject=hostile),
        other=Ticket.objects.filter(subject=hostile + " "),
    ) == {"same": 1, "other": 0}


def test_no_figures_no_statement():
    with CaptureQueriesContext(connection) as captured:
        assert counts_at_once() == {}
    assert not captured.captured_queries
