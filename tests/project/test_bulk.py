"""`insert_rows`, the batch paths' INSERT: what it writes must be what bulk_create writes."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback_app.core.bulk import insert_rows
from feedback_app.customers.models import TimelineEntry
from surveys.models import ReceivedAnswers
from tests.factories import CustomerFactory, delivered_invitation

pytestmark = pytest.mark.django_db


def test_rows_are_written_as_bulk_create_writes_them():
    customer = CustomerFactory()
    when = timezone.now() - timedelta(days=2)
    ours = [
        TimelineEntry(customer=customer, kind="a.b", title=f"Ours {n}", occurred_at=when)
        for n in range(3)
    ]
    theirs = [
        TimelineEntry(customer=customer, kind="a.b", title=f"Theirs {n}", occurred_at=when)
        for n in range(3)
    ]
    ours[1].data = {"title": {"message": "Quoted “words”", "values": {}}, "n": 1}
    theirs[1].data = dict(ours[1].data)
    insert_rows(ours)
    TimelineEntry.objects.bulk_create(theirs)
    fields = ["kind", "occurred_at", "data", "channel", "body", "subject_id", "actor"]
    written = {
        row["title"]: row for row in TimelineEntry.objects.values("title", "recorded_at", *fields)
    }
    for n in range(3):
        mine, other = written[f"Ours {n}"], written[f"Theirs {n}"]
        assert {f: mine[f] for f in fields} == {f: other[f] for f in fields}
    # auto_now_add: one moment for the run, also set on the instances given
    assert len({written[f"Ours {n}"]["recorded_at"] for n in range(3)}) == 1
    assert ours[0].recorded_at == written["Ours 0"]["recorded_at"]
    assert ours[0].pk is None  # ids the database numbers are not read back


def test_a_primary_key_that_is_a_field_of_the_row_is_written_and_a_refused_row_fails_the_run():
    invitation = delivered_invitation()
    row = {"invitation": invitation, "answers": {"1": 7}, "received_at": timezone.now()}
    insert_rows([ReceivedAnswers(**row)])
    assert ReceivedAnswers.objects.get().invitation_id == invitation.pk
    other = delivered_invitation()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([ReceivedAnswers(**{**row, "invitation": other}), ReceivedAnswers(**row)])
    assert list(ReceivedAnswers.objects.values_list("invitation_id", flat=True)) == [invitation.pk]


def test_nothing_to_insert_runs_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_rows([])
