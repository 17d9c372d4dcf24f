"""Per-item tasks keep no result row when they succeed (their item records the outcome), and
a batch of them goes to the broker as one task."""

import pytest
from django.db import transaction
from django_q.models import Success
from django_q.tasks import async_task

from feedback_app.core.background import item_tasks_batched, queue_item_task, run_item_tasks

pytestmark = pytest.mark.django_db


def test_a_per_item_task_keeps_no_success_row_and_other_tasks_do():
    queue_item_task("math.floor", 1.5)
    assert not Success.objects.exists()
    async_task("math.floor", 2.5)  # other tasks keep their result, as configured
    assert Success.objects.count() == 1


def queued(take_queued) -> list[tuple]:
    return [(task["func"], task["args"]) for task in take_queued()]


def test_tasks_queued_inside_a_batch_go_to_the_broker_as_one(take_queued):
    with item_tasks_batched():
        queue_item_task("math.floor", 1.5)
        with item_tasks_batched():  # nested: joins the outer batch
            queue_item_task("math.ceil", 2.5)
        assert queued(take_queued) == []
    assert queued(take_queued) == [
        (run_item_tasks, ([("math.floor", [1.5]), ("math.ceil", [2.5])],))
    ]
    queue_item_task("math.floor", 3.5)  # outside a batch: on its own again
    assert queued(take_queued) == [("math.floor", (3.5,))]


def test_a_batch_that_fails_queues_nothing(take_queued):
    with pytest.raises(ValueError), item_tasks_batched():
        queue_item_task("math.floor", 1.5)
        raise ValueError("the import broke")
    assert take_queued() == []


def test_on_commit_hooks_run_inside_the_batch_are_collected(
    take_queued, django_capture_on_commit_callbacks
):
    with item_tasks_batched():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            transaction.on_commit(lambda: queue_item_task("math.floor", 1.5))
            transaction.on_commit(lambda: queue_item_task("math.floor", 2.5))
        assert take_queued() == []
    assert len(take_queued()) == 1


@pytest.mark.django_db(transaction=True)  # real commits and rollbacks
def test_inside_a_batch_a_task_of_a_rolled_back_transaction_is_not_queued(take_queued):
    from feedback_app.core.background import queue_item_task_on_commit

    with item_tasks_batched():
        with transaction.atomic():
            queue_item_task_on_commit("math.floor", 1.5)
        with pytest.raises(ValueError), transaction.atomic():
            queue_item_task_on_commit("math.floor", 2.5)
            raise ValueError("this row failed")
    assert queued(take_queued) == [(run_item_tasks, ([("math.floor", [1.5])],))]


def test_one_failing_item_does_not_stop_the_others(caplog):
    done = []
    items = [
        ("tests.project.test_background.record", [done, 1]),
        ("tests.project.test_background.record", [done, "boom"]),
        ("tests.project.test_background.record", [done, 3]),
    ]
    with pytest.raises(RuntimeError, match="1 of 3 item tasks failed"):
        run_item_tasks(items)
    assert done == [1, 3]
    assert "record" in caplog.text


def record(done: list, value):
    if value == "boom":
        raise ValueError("cannot record this one")
    done.append(value)
