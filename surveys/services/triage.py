"""Triage of stored feedback: run the engine on a response or complaint, store what it found,
and announce it (`feedback_app.core.signals.feedback_triaged`) so recovery can open a ticket.

Idempotent: triaging an item again overwrites its result with the same one and the receiver
finds the ticket it opened the first time.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django_q.conf import Conf

from feedback_app.core.background import (
    batch_form,
    item_tasks_batched,
    queue_waiting_task,
    waiting_task_started,
)
from feedback_app.core.signals import feedback_triaged, feedback_triaging
from surveys.models import Complaint, Question, Response, Survey, Topic
from surveys.services.announce import detractors_announce
from surveys.services.rollups import rollup_triage_add, triage_counted, triage_counts
from surveys.triage.engine import Result, Vocabulary, default_vocabulary, triage

logger = logging.getLogger(__name__)
_VOCABULARY: dict[tuple, Vocabulary] = {}


def vocabulary() -> Vocabulary:
    """The active topics as a compiled vocabulary, rebuilt only when topics change."""
    state = Topic.objects.filter(active=True).aggregate(n=Count("id"), changed=Max("updated_at"))
    key = (state["n"], state["changed"])
    if not state["n"]:
        return default_vocabulary()
    if key not in _VOCABULARY:
        _VOCABULARY.clear()
        topics = {t.name: t.keyword_list for t in Topic.objects.filter(active=True)}
        _VOCABULARY[key] = Vocabulary(topics)
    return _VOCABULARY[key]


def response_inputs(response: Response) -> tuple[str, list[tuple[str, int]]]:
    """What the customer said in a response: free text and chosen options as text, ratings as
    scores."""
    parts, scores = [], []
    for answer in response.answers.all():
        kind = answer.question.kind
        if answer.question.is_rating and answer.number is not None:
            scores.append((kind, answer.number))
        elif kind in Question.CHOICE_KINDS:
            parts.extend(answer.choices)
        elif answer.text:
            parts.append(answer.text)
    return ". ".join(parts), scores


@dataclass(frozen=True)
class Triaged:
    """One item as triage left it: what the engine found and whether it needs recovery."""

    item: Response | Complaint
    result: Result
    failure: bool
    # What it was before this triage: its sentiment ("" the first time) and whether it failed.
    was: str = ""
    was_failure: bool = False


TRIAGE_FIELDS = ("sentiment", "polarity", "severity", "reasons", "triaged_at")
# How many items one batch reads and writes at a time (a task may hand over more).
TRIAGE_BATCH = 200


def _read(model, ids: Iterable[int]) -> list[Response | Complaint]:
    items = model.objects.filter(pk__in=list(ids)).order_by("pk")
    if model is not Response:
        return list(items.select_related("customer"))
    items = items.select_related("customer", "invitation__event").prefetch_related("answers")
    responses = list(items)
    # A batch answers a survey or two: each survey and question made once, not once an answer.
    surveys = Survey.objects.in_bulk({response.survey_id for response in responses})
    answers = [answer for response in responses for answer in response.answers.all()]
    questions = Question.objects.in_bulk({answer.question_id for answer in answers})
    for response in responses:
        response.survey = surveys[response.survey_id]
    for answer in answers:
        answer.question = questions[answer.question_id]
    return responses


def _engine(item: Response | Complaint, words: Vocabulary) -> Result:
    if isinstance(item, Response):
        text, scores = response_inputs(item)
        return triage(text, scores=scores, kind="response", vocabulary=words)
    text = f"{item.subject}. {item.text}" if item.subject else item.text
    return triage(text, kind="complaint", vocabulary=words)


def _update_rows(model, items: list) -> tuple[str, list]:
    """The UPDATE of the triage fields of many items and its parameters, one row each: run for
    every row at once (executemany: the driver prepares it once), cheaper to build than
    bulk_update's CASE per field and row."""
    fields = [model._meta.get_field(name) for name in TRIAGE_FIELDS]
    quote = connection.ops.quote_name
    # Names from the model's own metadata, quoted; every value is a parameter.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET "  # noqa: S608
        + ", ".join(f"{quote(field.column)} = %s" for field in fields)
        + f" WHERE {quote(model._meta.pk.column)} = %s"
    )
    rows = [
        [field.get_db_prep_save(getattr(item, field.attname), connection) for field in fields]
        + [item.pk]
        for item in items
    ]
    return sql, rows


@dataclass
class _Batch:
    """A batch's results as they will be stored: for each item its counts before, its topics
    before and after, and what the signal announces."""

    changes: list
    triaged: list[Triaged]
    update: tuple[str, list]  # the items' UPDATE and its parameters (`_update_rows`)
    counted: tuple  # what the day tables get (`triage_counted`)


def _states(model, items: list, again: bool, lock: bool = False) -> dict:
    """What each item counts as now ({pk: row}); with `lock`, read under row locks: a sweep and a
    task handed out twice may triage the same item at once, and the second must move it, not add
    it again. Without `again`, only items never triaged."""
    rows = model.objects.select_for_update() if lock else model.objects.all()
    return {
        row.pk: row
        for row in rows.filter(pk__in=[item.pk for item in items])
        .order_by("pk")
        .only("pk", "sentiment", "severity", "triaged_at")
        if again or row.triaged_at is None
    }


def _seen(states: dict) -> list[tuple]:
    return [(pk, r.sentiment, r.severity, r.triaged_at) for pk, r in sorted(states.items())]


def _batch(model, items: list, results: list[Result], stored: dict) -> _Batch:
    """The results applied to the items (not written) against what they count as (`stored`)."""
    fk = model._meta.model_name + "_id"
    items_results = [(i, r) for i, r in zip(items, results, strict=True) if i.pk in stored]
    before_topics: dict[int, set[int]] = defaultdict(set)
    for item_id, topic_id in model.topics.through.objects.filter(
        **{f"{fk}__in": list(stored)}
    ).values_list(fk, "topic_id"):
        before_topics[item_id].add(topic_id)
    names = {name for _item, result in items_results for name in result.topics}
    known = dict(Topic.objects.filter(name__in=names).values_list("name", "pk"))
    now = timezone.now()
    changes = []
    for item, result in items_results:
        before = triage_counts(stored[item.pk])
        item.sentiment, item.polarity = result.sentiment, result.polarity
        item.severity, item.reasons = result.severity, list(result.reasons)
        item.triaged_at = now
        after = {known[name] for name in result.topics if name in known}
        changes.append((item, before, before_topics[item.pk], after))
    triaged = [
        Triaged(
            item, result, item.is_failure, stored[item.pk].sentiment, stored[item.pk].is_failure
        )
        for item, result in items_results
    ]
    return _Batch(
        changes,
        triaged,
        _update_rows(model, [item for item, *_rest in changes]),
        triage_counted(changes),
    )


def _store_batch(model, items: list, results: list[Result], again: bool) -> list[Triaged]:
    """Store a batch's results in one short transaction. What it will write is read and built
    before it (and what recovery will open, `feedback_triaging`): on SQLite a write transaction
    holds the one write lock from its start. Inside, the items' state is read again under
    locks; if another triage stored any of them meanwhile, the batch is built again there."""
    seen = _states(model, items, again)
    batch = _batch(model, items, results, seen)
    prepared: dict = {}
    if batch.triaged:
        feedback_triaging.send(sender=model, triaged=batch.triaged, prepared=prepared)
    with transaction.atomic():
        stored = _states(model, items, again, lock=True)
        if _seen(stored) != _seen(seen):
            batch, prepared = _batch(model, items, results, stored), {}
        _written(model, batch)
        if batch.triaged:
            detractors_announce([t.item for t in batch.triaged if not t.was])
            feedback_triaged.send(sender=model, triaged=batch.triaged, prepared=prepared)
    return batch.triaged


def _written(model, batch: _Batch) -> None:
    """The batch's writes, made beforehand: triage fields, topics moved, day tables."""
    through = model.topics.through
    fk = model._meta.model_name + "_id"
    sql, rows = batch.update
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    gone = Q()
    for item, _before, topics_before, after in batch.changes:
        if topics_before - after:
            gone |= Q(**{fk: item.pk, "topic_id__in": topics_before - after})
    if gone:
        through.objects.filter(gone).delete()
    through.objects.bulk_create(
        [
            through(**{fk: item.pk, "topic_id": topic_id})
            for item, _before, topics_before, after in batch.changes
            for topic_id in after - topics_before
        ],
        ignore_conflicts=True,
    )
    rollup_triage_add(batch.counted)


def items_triage(
    model: type[Response] | type[Complaint], ids: Iterable[int], *, again: bool = True
) -> list[Triaged]:
    """Triage responses or complaints by id, TRIAGE_BATCH at a time: each batch read at once, run
    through the engine outside any transaction, then stored with bulk statements in one short
    transaction that also announces them (`feedback_triaged`, one signal per batch). Ids that
    no longer exist are skipped, and with `again` False so are items already triaged."""
    ids = list(dict.fromkeys(ids))
    words = vocabulary() if ids else None
    done: list[Triaged] = []
    for start in range(0, len(ids), TRIAGE_BATCH):
        items = _read(model, ids[start : start + TRIAGE_BATCH])
        if not again:
            items = [item for item in items if item.triaged_at is None]
        if items:
            results = [_engine(item, words) for item in items]
            done.extend(_store_batch(model, items, results, again))
    return done


# When an item arrived, as its index of those waiting for triage orders them.
_ARRIVED = {Response: "received_at", Complaint: "created_at"}


def untriaged(model: type[Response] | type[Complaint]):
    """The items waiting for their first triage, oldest first, in the order of the partial index
    that holds only them (response_untriaged, complaint_untriaged). Ordered by id, SQLite walked
    the whole table from its first row, past every item triaged already, for each batch."""
    return model.objects.filter(triaged_at__isnull=True).order_by(_ARRIVED[model], "pk")


def _first_triage(model, ids: list[int]) -> int:
    """The item tasks' triage: the items given and, up to a batch, others still waiting for
    their first triage (oldest first), so a burst of items queued one task each is triaged in
    batches and the tasks that come later find theirs done. Items already triaged are left as
    they are (triaging again is `retriage`'s job), and a task whose items an earlier batch took
    stops at that one statement (a burst of complaints queues one task each)."""
    waiting = untriaged(model)
    ids = list(waiting.filter(pk__in=ids).values_list("pk", flat=True))
    if not ids:
        return 0
    waiting = waiting.exclude(pk__in=ids)
    more = list(waiting.values_list("pk", flat=True)[: max(0, TRIAGE_BATCH - len(ids))])
    # What the batch queues (the acknowledgements it sends...) goes to the broker as one task.
    with item_tasks_batched():
        try:
            return len(items_triage(model, [*ids, *more], again=False))
        except Exception:
            if not more:
                raise
            # One of the others may be what fails: then the task does its own items alone, and
            # the others wait for their own tasks (or the sweep), which fail or succeed alone.
            logger.exception("Triage of %d waiting items with %s failed; alone", len(more), ids)
            return len(items_triage(model, ids, again=False))


def response_triage(*, response_id: int) -> Response | None:
    done = items_triage(Response, [response_id])
    return done[0].item if done else None


def complaint_triage(*, complaint_id: int) -> Complaint | None:
    done = items_triage(Complaint, [complaint_id])
    return done[0].item if done else None


def _in_range(start: datetime, end: datetime):
    """Responses and complaints received in [start, end)."""
    return (
        Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end),
        Complaint.objects.filter(received_at__gte=start, received_at__lt=end),
    )


def items_in_range(start: datetime, end: datetime) -> Iterator[tuple[str, int]]:
    """(kind, id) of every response and complaint received in [start, end), oldest first."""
    responses, complaints = _in_range(start, end)
    for pk in responses.order_by("submitted_at").values_list("pk", flat=True).iterator():
        yield "response", pk
    for pk in complaints.order_by("received_at").values_list("pk", flat=True).iterator():
        yield "complaint", pk


@dataclass
class Retriaged:
    """What triaging a range again changed: items read, verdicts (sentiment) that changed, and
    of those how many now need recovery and how many no longer do; items triaged the first
    time (they had no verdict yet) are counted apart."""

    items: int = 0
    changed: int = 0
    now_failures: int = 0
    no_longer_failures: int = 0
    first_time: int = 0

    def add(self, done: list[Triaged]) -> None:
        for t in done:
            self.items += 1
            if not t.was:
                self.first_time += 1
            elif t.was != t.item.sentiment:
                self.changed += 1
                self.now_failures += t.failure and not t.was_failure
                self.no_longer_failures += t.was_failure and not t.failure


def retriage(
    start: datetime, end: datetime, progress: Callable[[int, int], None] | None = None
) -> Retriaged:
    """Triage again everything received in the range (after the vocabulary or engine changed),
    TRIAGE_BATCH items at a time, and say what changed."""
    responses, complaints = _in_range(start, end)
    total = responses.count() + complaints.count()
    report = Retriaged()
    for model, ids in _batches(items_in_range(start, end)):
        report.add(items_triage(model, ids))
        if progress:
            progress(report.items, total)
    return report


def _batches(items: Iterable[tuple[str, int]]) -> Iterator[tuple[type, list[int]]]:
    """(model, ids) runs of at most TRIAGE_BATCH items of one kind, in the order given."""
    models = {"response": Response, "complaint": Complaint}
    kind, ids = None, []
    for item_kind, pk in items:
        if ids and (item_kind != kind or len(ids) == TRIAGE_BATCH):
            yield models[kind], ids
            ids = []
        kind = item_kind
        ids.append(pk)
    if ids:
        yield models[kind], ids


TRIAGE_SWEEP_AFTER = timedelta(minutes=5)


def triage_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Triage what arrived more than TRIAGE_SWEEP_AFTER ago and is still untriaged: its task was
    lost (a broker such as Redis hands a task out once, so a worker killed while holding it
    loses it) or never queued. Scheduled every minute; a partial index keeps it cheap."""
    cutoff = (now or timezone.now()) - TRIAGE_SWEEP_AFTER
    done = 0
    for model in (Response, Complaint):
        waiting = untriaged(model).filter(**{f"{_ARRIVED[model]}__lt": cutoff})
        ids = list(waiting.values_list("pk", flat=True)[:limit])
        # Those a task triaged since this read are left as they are.
        done += len(items_triage(model, ids, again=False))
    return done


# --- Tasks (django-q2 runs these by their function object; each takes an id) ------------------


def triage_responses(response_ids: list[int]) -> int:
    """The batch form of triage_response (a batch of stored answers, one background task)."""
    return _first_triage(Response, response_ids)


def triage_complaints(complaint_ids: list[int]) -> int:
    """The batch form of triage_complaint."""
    return _first_triage(Complaint, complaint_ids)


@batch_form(triage_responses)
def triage_response(response_id: int) -> int:
    """Queued after commit for every new response; returns how many items it triaged."""
    return _first_triage(Response, [response_id])


@batch_form(triage_complaints)
def triage_complaint(complaint_id: int) -> int:
    """The task complaints queued one each before `complaints_triage_queue`; tasks queued then
    under this name still run. Returns how many items it triaged."""
    return _first_triage(Complaint, [complaint_id])


# The shared cache's key that says a `triage_waiting_complaints` task is queued and not started.
COMPLAINTS_TRIAGE_QUEUED = "surveys:triage:complaints-queued"


def complaints_triage_queue() -> None:
    """After a complaint's commit: queue the task that triages every complaint waiting, unless
    one is queued and has not started reading (a burst of a thousand complaints through the API
    queues a few tasks, not a thousand; `queue_waiting_task` says why none is left waiting)."""
    queue_waiting_task(triage_waiting_complaints, COMPLAINTS_TRIAGE_QUEUED)


def triage_waiting_complaints(*, budget: float | None = None) -> int:
    """The task: triage every complaint waiting for its first triage, oldest first, in batches
    (each its own transaction); returns how many. After `budget` seconds (half the task time
    limit) with complaints still waiting it queues a fresh task for them and returns. A batch
    that fails is triaged one by one; a complaint that fails alone is logged and left to the
    sweep, and this task goes on with the others."""
    waiting_task_started(COMPLAINTS_TRIAGE_QUEUED)
    budget = (Conf.TIMEOUT or 120) / 2 if budget is None else budget
    started = time.monotonic()
    done, failed = 0, []
    while True:
        waiting = untriaged(Complaint).exclude(pk__in=failed)
        ids = list(waiting.values_list("pk", flat=True)[:TRIAGE_BATCH])
        if not ids:
            return done
        with item_tasks_batched():
            try:
                done += len(items_triage(Complaint, ids, again=False))
            except Exception:
                logger.exception("Triage of %d waiting complaints failed; one by one", len(ids))
                for pk in ids:
                    try:
                        done += len(items_triage(Complaint, [pk], again=False))
                    except Exception:
                        logger.exception("Triage of complaint %s failed; the sweep retries", pk)
                        failed.append(pk)
        if time.monotonic() - started >= budget:
            complaints_triage_queue()
            return done
