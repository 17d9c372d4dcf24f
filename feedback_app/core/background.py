"""Queueing background work (django-q2) for one item at a time, or for a batch of items."""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connections, transaction
from django.utils.module_loading import import_string
from django_q.conf import Conf
from django_q.tasks import async_task

logger = logging.getLogger(__name__)
_batch = threading.local()
WAITING_MARK_FOR = 60


def queue_item_task(func: Callable | str, *args) -> str | None:
    """Queue a task that works on one item (triage it, store it, send it) and return its id.

    Such a task records its outcome on the item itself (triaged_at, the invitation's or message's
    status), so django-q2 keeps no result row when it succeeds; failures are kept as always. Kept
    results cost more than the work here: with `save_limit` set, saving each one reads every kept
    result under a lock to prune the oldest, a write the task workers then wait for.

    Inside `item_tasks_batched()` the call is collected instead (and None returned).
    """
    collected = getattr(_batch, "items", None)
    if collected is not None:
        if args or (func, []) not in collected:  # a task of everything waiting: once a batch
            collected.append((func, list(args)))
        return None
    return async_task(func, *args, save=False)


def queue_waiting_task(func: Callable, mark: str) -> None:
    """Queue a task that works off everything of one kind waiting (it takes no arguments) unless
    one is queued and has not started: a burst queues one task, not one per item.

    `mark`, a key in the shared cache, says one is queued; the task clears it
    (`waiting_task_started`) before it reads what waits. Call this once the item is committed:
    an item committed while the mark is set is read by the task that set it, and one committed
    after the task cleared it queues another, so nothing is left waiting. The mark expires
    after WAITING_MARK_FOR seconds, so a task lost with its worker stops the queueing only that
    long (the item's sweep is the net). Inside `item_tasks_batched` the task joins the batch once
    and no mark is set (a batch that fails queues nothing). A broker that is down is logged:
    the items are stored, and their sweep works them."""
    if Conf.SYNC or getattr(_batch, "items", None) is not None:
        queue_item_task(func)
        return
    if not cache.add(mark, True, timeout=WAITING_MARK_FOR):
        return
    try:
        queue_item_task(func)
    except Exception:
        cache.delete(mark)
        logger.exception("Could not queue %s; the sweep will do its work", func)


def waiting_task_started(mark: str) -> None:
    """Called by a task queued with `queue_waiting_task` before it reads what waits."""
    cache.delete(mark)


def queue_item_task_on_commit(func: Callable | str, *args) -> None:
    """Queue an item task that must run only once the current transaction has committed (its
    item is written in it). With the database as the broker, the task's row is written in the
    same transaction: a worker cannot see it before the commit, it vanishes with a rollback, and
    the request makes one write transaction instead of two. With Redis (or when tasks run in the
    caller, as in tests) it is queued after the commit; inside `item_tasks_batched` it joins the
    batch after the commit."""
    alias = Conf.ORM
    batching = getattr(_batch, "items", None) is not None
    if (
        not batching
        and not Conf.SYNC
        and alias
        and alias in connections
        and connections[alias].in_atomic_block
    ):
        queue_item_task(func, *args)
    else:
        # Inside item_tasks_batched the task joins the batch when its transaction commits, so
        # one rolled back (a row that failed, a savepoint) leaves nothing queued.
        transaction.on_commit(lambda: queue_item_task(func, *args))


@contextmanager
def item_tasks_batched() -> Iterator[None]:
    """Collect the item tasks queued inside (including those queued by on_commit hooks of a
    transaction that commits inside) and queue them as one task on the way out: an import of
    100 rows writes one task to the broker instead of 100. Nothing is queued if the block fails.
    Nesting joins the outer batch."""
    if getattr(_batch, "items", None) is not None:
        yield
        return
    _batch.items = []
    try:
        yield
        items = _batch.items
    finally:
        _batch.items = None
    if items:
        async_task(run_item_tasks, items, save=False)


def batch_form(many: Callable[[list], object]) -> Callable[[Callable], Callable]:
    """Mark an item task that takes one id as having a batch form: inside a batch,
    run_item_tasks hands all of its ids to `many(ids)` in one call (triage reads and writes a
    batch with bulk statements). Queued alone, the task runs as it is."""

    def mark(func: Callable) -> Callable:
        func.many = many
        return func

    return mark


def run_item_tasks(items: list) -> int:
    """The task behind a batch: run each item's task in turn, those with a batch form
    (`batch_form`) together. One item failing does not stop the others (a batch form that fails
    is run again one item at a time, so only the bad one fails); the batch then fails (kept
    among failed tasks) naming how many did. Item tasks are idempotent and their sweeps pick up
    what failed."""
    failed = 0
    together: dict[Callable, list] = {}
    alone = []
    for func, args in items:
        func = import_string(func) if isinstance(func, str) else func
        if getattr(func, "many", None) is not None and len(args) == 1:
            together.setdefault(func, []).append(args[0])
        else:
            alone.append((func, args))
    for func, ids in together.items():
        try:
            func.many(ids)
        except Exception:
            logger.exception("Background task %s for %d items failed; one by one", func, len(ids))
            alone.extend((func, [pk]) for pk in ids)
    for func, args in alone:
        try:
            func(*args)
        except Exception:
            failed += 1
            logger.exception("Background task %s%r failed", func, tuple(args))
    if failed:
        raise RuntimeError(f"{failed} of {len(items)} item tasks failed; see the log")
    return len(items)
