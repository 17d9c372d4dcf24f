"""Per-item tasks keep no result row when they succeed (their item records the outcome)."""

import pytest
from django_q.models import Success
from django_q.tasks import async_task

from feedback_app.background import queue_item_task

pytestmark = pytest.mark.django_db


def test_a_per_item_task_keeps_no_success_row_and_other_tasks_do():
    queue_item_task("math.floor", 1.5)
    assert not Success.objects.exists()
    async_task("math.floor", 2.5)  # other tasks keep their result, as configured
    assert Success.objects.count() == 1
