"""The store and the triage find their next batch through indexes that hold only what waits:
no statement they make walks a whole table that grows with every item (SQLite's plans; an
order SQLite could not take from an index made each batch of a 100,000-item backlog walk past
every item done before it)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.models import Response
from surveys.services.complaints import complaint_submit
from surveys.services.received import answers_receive, received_store
from surveys.services.triage import triage_response, triage_waiting_complaints
from tests.factories import CustomerWithEmailFactory, delivery_survey
from tests.plans import query_plan, sqlite_only

pytestmark = [pytest.mark.django_db, sqlite_only]

# Tables of settings, a few rows that do not grow with the feedback: read whole.
SETTINGS = {
    "surveys_survey",
    "surveys_topic",
    "webhooks_webhook",
    "recovery_routingrule",
    "recovery_slatarget",
}


def without_statistics() -> None:
    """Plan as a fresh install does, with no statistics: another test may have gathered some on
    its handful of rows (ANALYZE), with which any plan is as good as another. Undone with the
    test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")  # the planner reads the statistics again


def test_no_read_of_the_store_or_the_triage_walks_a_growing_table(no_worker):
    from surveys.services.invitations import invitation_create

    survey = delivery_survey()
    nps, _choice, words = survey.questions.order_by("position")
    for n in range(3):
        invitation = invitation_create(survey=survey, customer=CustomerWithEmailFactory())
        answers_receive(invitation=invitation, answers={nps.pk: n, words.pk: "Never came."})
        complaint_submit(text="Broken on arrival.", channel="api", email=f"p{n}@example.com")
    without_statistics()
    with CaptureQueriesContext(connection) as stored:
        assert received_store() == 3
    first = Response.objects.order_by("pk").first()
    with CaptureQueriesContext(connection) as triaged:
        triage_response(first.pk)
        triage_waiting_complaints()
    reads = [q["sql"] for q in [*stored, *triaged] if q["sql"].startswith("SELECT")]
    assert len(reads) > 20  # the batch's reads were captured
    walks = {}
    for sql in reads:
        plan = query_plan(sql)
        for table in re.findall(r"SCAN (\w+)(?= \||$)", plan):  # the whole table, no index
            if table not in SETTINGS:
                walks[sql] = plan
    assert not walks, "\n".join(f"{plan}: {sql}" for sql, plan in walks.items())
