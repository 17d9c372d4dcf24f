"""Keep the dashboards' day tables (FeedbackDay, TopicDay) in step with the feedback.

Each change is added in the transaction that stores it: an item's arrival (item count and rating
scores) by response_submit, complaint_submit and the batched store of received answers, what
triage read (sentiment, failure, topics) by the triage service for each batch, a deletion by the
pre_delete receivers connected in SurveysConfig.ready(). One upsert statement per table for a
change or a batch of them, rows summed by key first (INSERT ... ON CONFLICT DO UPDATE, the same
text on SQLite and PostgreSQL), race-free under concurrent writers. `rollups_rebuild`
recomputes every row from the stored items (`manage.py rebuild_rollups`), for data written
around the services.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from itertools import combinations

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from feedback_app.core.signals import rollups_rebuilt
from surveys.models import (
    SEGMENT_FIELDS,
    Complaint,
    FeedbackDay,
    Question,
    Response,
    Sentiment,
    TopicDay,
)

BREAKDOWNS = ("survey", *SEGMENT_FIELDS)
FEEDBACK_GRAINS: tuple[tuple[str, ...], ...] = (
    (),
    ("survey",),
    *((segment,) for segment in SEGMENT_FIELDS),
    *(("survey", segment) for segment in SEGMENT_FIELDS),
    *combinations(SEGMENT_FIELDS, 2),
)
TOPIC_GRAINS: tuple[tuple[str, ...], ...] = ((), *((segment,) for segment in SEGMENT_FIELDS))


def _counted(model) -> tuple[str, ...]:
    """The count columns of a day table: everything but the key."""
    key = {model._meta.get_field(name).name for name in model.KEY}
    return tuple(f.name for f in model._meta.fields if f.name not in key and not f.primary_key)


COUNTS = _counted(FeedbackDay)


def grain_name(breakdowns: Iterable[str]) -> str:
    """The grain holding these breakdowns, e.g. {"region", "survey"} -> "survey+region"."""
    wanted = set(breakdowns)
    unknown = wanted - set(BREAKDOWNS)
    if unknown:
        raise ValueError(f"not a breakdown: {', '.join(sorted(unknown))}")
    name = "+".join(b for b in BREAKDOWNS if b in wanted)
    if name and tuple(name.split("+")) not in FEEDBACK_GRAINS:
        raise ValueError(f"no grain keeps {name}")
    return name


def local_day(moment) -> date:
    return timezone.localtime(moment).date()


# --- what one item adds ---------------------------------------------------------------------


def arrival_counts(item: Response | Complaint, answers: Iterable = ()) -> Counter:
    counts = Counter(items=1)
    if isinstance(item, Response):
        counts["responses"] = 1
        for answer in answers:
            if answer.number is None:
                continue
            kind, number = answer.question.kind, answer.number
            if kind == Question.Kind.NPS:
                counts.update(nps_n=1, promoters=number >= 9, detractors=number <= 6)
            elif kind == Question.Kind.CSAT:
                counts.update(csat_n=1, satisfied=number >= 4)
            elif kind == Question.Kind.CES:
                counts.update(ces_n=1, ces_sum=number)
    return counts


def triage_counts(item: Response | Complaint) -> Counter:
    if not item.sentiment:
        return Counter()
    return Counter({item.sentiment: 1, "failures": int(item.is_failure)})


def _keys(day: date, channel: str, values: dict, grains) -> list[tuple]:
    """The row keys one item counts in: one per grain, breakdowns outside the grain blank."""
    keys = []
    for grain in grains:
        kept = [values[s] if s in grain else "" for s in SEGMENT_FIELDS]
        if grains is FEEDBACK_GRAINS:
            survey = values["survey"] if "survey" in grain else 0
            keys.append((day, channel, grain_name(grain), survey, *kept))
        else:
            keys.append((day, channel, grain_name(grain), *kept))
    return keys


def _item_keys(item: Response | Complaint, grains) -> list[tuple]:
    return _signature_keys(_signature(item), grains)


def _signature(item: Response | Complaint) -> tuple:
    """What decides the rows an item counts in: its day, channel, survey and segments (many
    items of a batch share one, so their counts are summed before they are spread over rows)."""
    return (
        local_day(item.happened_at),
        item.channel,
        getattr(item, "survey_id", None) or 0,
        *(getattr(item, segment) or "" for segment in SEGMENT_FIELDS),
    )


def _signature_keys(signature: tuple, grains) -> list[tuple]:
    day, channel, *values = signature
    return _keys(day, channel, dict(zip(BREAKDOWNS, values, strict=True)), grains)


# Rows per upsert statement: every value is a parameter, and SQLite takes at most 32,766.
UPSERT_ROWS = 500


def _upsert(model, rows: list[tuple[tuple, dict]]) -> None:
    """Add counts to rows by key, creating the rows that are missing, one statement for each
    UPSERT_ROWS rows. A key may appear once: PostgreSQL refuses to update a row twice in one
    statement (the callers sum by key first)."""
    rows = [(key, counts) for key, counts in rows if any(counts.values())]
    if not rows:
        return
    names = _counted(model)  # all of them: the columns have no default in the database
    key_columns = [model._meta.get_field(f).column for f in model.KEY]
    columns = [model._meta.get_field(name).column for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    placeholders = "(" + ", ".join(["%s"] * (len(key_columns) + len(columns))) + ")"
    for start in range(0, len(rows), UPSERT_ROWS):
        chunk = rows[start : start + UPSERT_ROWS]
        # Identifiers come from the model's own metadata, quoted; every value is a parameter.
        sql = (
            f"INSERT INTO {table} ({', '.join(quote(c) for c in key_columns + columns)}) "  # noqa: S608
            f"VALUES {', '.join([placeholders] * len(chunk))} "
            f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) DO UPDATE SET "
            + ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in columns)
        )
        params = []
        for key, counts in chunk:
            params.extend([connection.ops.adapt_datefield_value(key[0]), *key[1:]])
            params.extend(int(counts.get(name, 0)) for name in names)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _add(item, counts: Counter, sign: int = 1) -> None:
    _add_many([(item, Counter({name: sign * value for name, value in counts.items()}))])


def _add_many(counted: Iterable[tuple[Response | Complaint, Counter]]) -> None:
    """Add each item's counts to the feedback day rows, summed by row first: one upsert for
    all (a key may appear only once in it)."""
    rollup_counts_add(_summed(counted))


def _summed(counted: Iterable[tuple[Response | Complaint, Counter]]) -> list[tuple[tuple, Counter]]:
    by_signature: dict[tuple, Counter] = defaultdict(Counter)
    for item, counts in counted:
        if any(counts.values()):
            by_signature[_signature(item)].update(counts)
    rows: dict[tuple, Counter] = defaultdict(Counter)
    for signature, counts in by_signature.items():
        for key in _signature_keys(signature, FEEDBACK_GRAINS):
            rows[key].update(counts)
    return list(rows.items())


def rollup_counts_add(rows: list[tuple[tuple, Counter]]) -> None:
    """Write counts made beforehand (`arrivals_counted`): one upsert."""
    _upsert(FeedbackDay, rows)


def _add_topics(item, topic_ids: Iterable[int], sign: int) -> None:
    rows = [
        ((*key, topic_id), {"mentions": sign})
        for key in _item_keys(item, TOPIC_GRAINS)
        for topic_id in topic_ids
    ]
    _upsert(TopicDay, rows)


# --- the changes ------------------------------------------------------------------------------


def rollup_arrival(item: Response | Complaint, answers: Iterable = ()) -> None:
    """A new response (with its answers) or complaint; its segments are already taken."""
    _add(item, arrival_counts(item, answers))


def triage_counted(changes: Iterable[tuple]) -> tuple[list, list]:
    """Triage stored results: what moving each item from what it counted as before to what it
    counts as now adds to each table, summed by row across the items, not yet written (a batch
    counts before its transaction and writes inside it, `rollup_triage_add`). `changes` holds
    (item, before, topics_before, topics_after): `before` from triage_counts ahead of the change
    (empty the first time), the topic ids it had and has now."""
    changes = list(changes)
    deltas = []
    for item, before, _topics_before, _topics_after in changes:
        delta = triage_counts(item)
        delta.subtract(before)
        deltas.append((item, delta))
    moved: dict[tuple, Counter] = defaultdict(Counter)  # signature → topic → mentions
    for item, _before, topics_before, topics_after in changes:
        if topics_before != topics_after:
            signature = _signature(item)
            moved[signature].update(topics_after - topics_before)
            moved[signature].subtract(topics_before - topics_after)
    mentions: dict[tuple, Counter] = defaultdict(Counter)
    for signature, topics in moved.items():
        for key in _signature_keys(signature, TOPIC_GRAINS):
            for topic_id, sign in topics.items():
                mentions[(*key, topic_id)]["mentions"] += sign
    return _summed(deltas), list(mentions.items())


def rollup_triage_add(counted: tuple[list, list]) -> None:
    """Write what triage_counted made: one upsert per table."""
    feedback, mentions = counted
    _upsert(FeedbackDay, feedback)
    _upsert(TopicDay, mentions)


def rollup_arrival_many(arrivals: Iterable[tuple[Response, Iterable]]) -> None:
    """New responses, each with its answers: rollup_arrival for many, summed by row."""
    rollup_counts_add(arrivals_counted(arrivals))


def arrivals_counted(arrivals: Iterable[tuple[Response, Iterable]]) -> list[tuple[tuple, Counter]]:
    """What rollup_arrival_many adds, summed by row but not yet written, so a batch can count
    before its transaction and write inside it (`rollup_counts_add`)."""
    return _summed((item, arrival_counts(item, answers)) for item, answers in arrivals)


def rollup_remove(item: Response | Complaint) -> None:
    """The item is about to be deleted: take out everything it added, as stored (the instance
    being deleted may be older than the last triage)."""
    item = type(item).objects.filter(pk=item.pk).first()
    if item is None:
        return
    answers = item.answers.select_related("question") if isinstance(item, Response) else ()
    _add(item, arrival_counts(item, answers) + triage_counts(item), -1)
    _add_topics(item, set(item.topics.values_list("id", flat=True)), -1)


def feedback_delete(*, items: Iterable[Response | Complaint]) -> int:
    """Delete responses or complaints (the admin's delete), taking each one's counts out of the
    day tables in the same transaction. Returns how many were deleted."""
    deleted = 0
    with transaction.atomic():
        for item in items:
            rollup_remove(item)
            item.delete()
            deleted += 1
    return deleted


# --- rebuild --------------------------------------------------------------------------------

_SCORES = {
    "nps_n": Count("answers", filter=Q(answers__question__kind=Question.Kind.NPS)),
    "promoters": Count(
        "answers", filter=Q(answers__question__kind=Question.Kind.NPS, answers__number__gte=9)
    ),
    "detractors": Count(
        "answers", filter=Q(answers__question__kind=Question.Kind.NPS, answers__number__lte=6)
    ),
    "csat_n": Count("answers", filter=Q(answers__question__kind=Question.Kind.CSAT)),
    "satisfied": Count(
        "answers", filter=Q(answers__question__kind=Question.Kind.CSAT, answers__number__gte=4)
    ),
    "ces_n": Count("answers", filter=Q(answers__question__kind=Question.Kind.CES)),
    "ces_sum": Sum("answers__number", filter=Q(answers__question__kind=Question.Kind.CES)),
}


def _item_totals(model, when: str) -> Iterable[dict]:
    """Items grouped by their full key (day, channel, survey, every segment), with counts."""
    zone = timezone.get_current_timezone()
    one = {"distinct": model is Response}  # the answers join repeats each response
    counts = {
        "items": Count("id", **one),
        # As triage_counts: nothing but the item itself counts until triage has read it.
        "failures": Count("id", filter=model.failure_q() & ~Q(sentiment=""), **one),
        **{s: Count("id", filter=Q(sentiment=s), **one) for s in Sentiment.values},
    }
    survey = ("survey_id",) if model is Response else ()
    if model is Response:
        counts |= {"responses": Count("id", distinct=True), **_SCORES}
    return (
        model.objects.annotate(day=TruncDate(when, tzinfo=zone))
        .values("day", "channel", *survey, *SEGMENT_FIELDS)
        .annotate(**counts)
        .order_by()
        .iterator(chunk_size=5000)
    )


def _topic_totals(model, when: str) -> Iterable[dict]:
    zone = timezone.get_current_timezone()
    item = model._meta.model_name
    return (
        model.topics.through.objects.annotate(day=TruncDate(f"{item}__{when}", tzinfo=zone))
        .values("day", f"{item}__channel", *(f"{item}__{s}" for s in SEGMENT_FIELDS), "topic_id")
        .annotate(mentions=Count("id"))
        .order_by()
        .iterator(chunk_size=5000)
    )


def _row_keys(row: dict, grains, prefix: str = "") -> list[tuple]:
    """The row keys of a grouped row of items (see _item_totals and _topic_totals)."""
    values = {
        "survey": row.get("survey_id") or 0,
        **{segment: row[f"{prefix}{segment}"] or "" for segment in SEGMENT_FIELDS},
    }
    return _keys(row["day"], row[f"{prefix}channel"], values, grains)


def rollups_rebuild(*, announce: bool = True) -> tuple[int, int]:
    """Recompute both day tables from the stored items; returns the rows written. `announce`
    sends feedback_app.core.signals.rollups_rebuilt (a migration, running before other apps'
    schema is current, passes False)."""
    feedback: dict[tuple, Counter] = defaultdict(Counter)
    for model, when in ((Response, "submitted_at"), (Complaint, "received_at")):
        for row in _item_totals(model, when):
            counts = {name: row[name] or 0 for name in COUNTS if name in row}
            for key in _row_keys(row, FEEDBACK_GRAINS):
                feedback[key].update(counts)
    topic_rows: dict[tuple, Counter] = defaultdict(Counter)
    for model, when in ((Response, "submitted_at"), (Complaint, "received_at")):
        prefix = f"{model._meta.model_name}__"
        for row in _topic_totals(model, when):
            for key in _row_keys(row, TOPIC_GRAINS, prefix):
                topic_rows[(*key, row["topic_id"])]["mentions"] += row["mentions"]
    with transaction.atomic():
        FeedbackDay.objects.all().delete()
        TopicDay.objects.all().delete()
        FeedbackDay.objects.bulk_create(
            (
                FeedbackDay(**dict(zip(FeedbackDay.KEY, key, strict=True)), **counts)
                for key, counts in feedback.items()
            ),
            batch_size=2000,
        )
        TopicDay.objects.bulk_create(
            (
                TopicDay(**dict(zip(TopicDay.KEY, key, strict=True)), **counts)
                for key, counts in topic_rows.items()
            ),
            batch_size=2000,
        )
    if announce:
        rollups_rebuilt.send(sender=FeedbackDay)
    return len(feedback), len(topic_rows)
