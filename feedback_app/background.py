"""Queueing background work (django-q2) for one item at a time."""

from django_q.tasks import async_task


def queue_item_task(func: str, *args) -> str:
    """Queue a task that works on one item (triage it, store it, send it) and returns its id.

    Such a task records its outcome on the item itself (triaged_at, the invitation's or message's
    status), so django-q2 keeps no result row when it succeeds; failures are kept as always. Kept
    results cost more than the work here: with `save_limit` set, saving each one reads every kept
    result under a lock to prune the oldest, a write the task workers then wait for.
    """
    return async_task(func, *args, save=False)
