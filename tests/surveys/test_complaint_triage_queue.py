"""A burst of complaints queues one triage task, not one each: the task triages every complaint
waiting, and a complaint filed after it started reading queues the next one, so none waits for
the sweep."""

import pytest

from feedback_app.core.background import item_tasks_batched, run_item_tasks
from recovery.models import Ticket
from surveys.models import Complaint
from surveys.services import triage
from surveys.services.complaints import complaint_submit
from surveys.services.triage import triage_waiting_complaints

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(django_capture_on_commit_callbacks):
    """File a complaint through the API's service and commit it (its on-commit hooks run)."""

    def file(n: int) -> Complaint:
        with django_capture_on_commit_callbacks(execute=True):
            return complaint_submit(
                text="My parcel never arrived and nobody answers",
                channel="api",
                email=f"q{n}@example.com",
            ).complaint

    return file


def funcs(take_queued) -> list:
    return [task["func"] for task in take_queued()]


def test_a_burst_queues_one_task_and_it_triages_them_all(take_queued, file):
    burst = [file(n) for n in range(5)]
    assert funcs(take_queued) == [triage_waiting_complaints]
    assert not Complaint.objects.filter(triaged_at__isnull=False).exists()

    assert triage_waiting_complaints() == 5
    assert Complaint.objects.filter(triaged_at__isnull=True).count() == 0
    assert Ticket.objects.filter(items__complaint__in=burst).distinct().count() == 5


def test_a_complaint_filed_once_the_task_started_queues_the_next(take_queued, file):
    file(0)
    assert funcs(take_queued) == [triage_waiting_complaints]
    triage_waiting_complaints()  # started: the mark is gone
    file(1)
    file(2)
    assert funcs(take_queued) == [triage_waiting_complaints]
    assert triage_waiting_complaints() == 2


def test_the_task_goes_through_a_backlog_in_batches_oldest_first(monkeypatch, file):
    monkeypatch.setattr(triage, "TRIAGE_BATCH", 2)
    seen = []
    real = triage.items_triage
    monkeypatch.setattr(
        triage, "items_triage", lambda model, ids, **kw: seen.append(ids) or real(model, ids, **kw)
    )
    with item_tasks_batched():  # filed by an import: one task after the batch
        burst = [file(n) for n in range(5)]
    assert [pk for ids in seen for pk in ids] == [c.pk for c in burst]
    assert [len(ids) for ids in seen] == [2, 2, 1]


def test_after_its_budget_the_task_hands_the_rest_to_a_fresh_one(monkeypatch, take_queued, file):
    monkeypatch.setattr(triage, "TRIAGE_BATCH", 2)
    with item_tasks_batched():  # filed by an import: one batch task, no mark
        for n in range(5):
            file(n)
    take_queued()
    assert triage_waiting_complaints(budget=0) == 2
    assert funcs(take_queued) == [triage_waiting_complaints]
    assert Complaint.objects.filter(triaged_at__isnull=True).count() == 3


def test_a_complaint_that_fails_is_left_to_the_sweep_and_the_others_are_triaged(
    take_queued, caplog, file, triage_fails_for
):
    with item_tasks_batched():
        burst = [file(n) for n in range(4)]
    take_queued()
    triage_fails_for(burst[1].pk)
    assert triage_waiting_complaints() == 3  # and it stops: the broken one is not read again
    assert list(Complaint.objects.filter(triaged_at__isnull=True)) == [burst[1]]
    assert "Triage of complaint %s failed; the sweep retries" in [r.msg for r in caplog.records]


def test_inside_a_batch_the_task_is_queued_once_and_no_mark_is_left(take_queued, file):
    with item_tasks_batched():
        for n in range(3):
            file(n)
    [task] = take_queued()
    assert task["func"] is run_item_tasks
    assert task["args"] == ([(triage_waiting_complaints, [])],)
    file(9)
    # the batch set no mark: a complaint filed alone afterwards queues its own task
    assert funcs(take_queued) == [triage_waiting_complaints]


def test_a_broker_that_is_down_leaves_no_mark(monkeypatch, take_queued, file, caplog):
    from feedback_app.core import background

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    with monkeypatch.context() as patch:
        patch.setattr(background, "async_task", down)
        first = file(0)  # stored all the same; its triage is left to the sweep
    assert Complaint.objects.filter(pk=first.pk).exists()
    assert "Could not queue %s; the sweep will do its work" in [r.msg for r in caplog.records]
    file(1)
    assert funcs(take_queued) == [triage_waiting_complaints]
