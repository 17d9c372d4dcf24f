"""Triage of stored feedback: run the engine on a response or complaint, store what it found,
and announce it (`feedback_app.core.signals.feedback_triaged`) so recovery can open a ticket.

Idempotent: triaging an item again overwrites its result with the same one and the receiver
finds the ticket it opened the first time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from feedback_app.core.signals import feedback_triaged
from surveys.models import Complaint, Question, Response, Topic
from surveys.services.rollups import rollup_triage, triage_counts
from surveys.triage.engine import Result, Vocabulary, default_vocabulary, triage

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


def _store(item: Response | Complaint, result: Result) -> Response | Complaint:
    with transaction.atomic():
        # What the item counts as now, read under a row lock: a sweep and a task handed out
        # twice may triage the same item at once, and the second must move it, not add it again.
        stored = type(item).objects.select_for_update().get(pk=item.pk)
        before = triage_counts(stored)
        topics_before = set(stored.topics.values_list("id", flat=True))
        item.sentiment = result.sentiment
        item.polarity = result.polarity
        item.severity = result.severity
        item.reasons = list(result.reasons)
        item.triaged_at = timezone.now()
        item.save(update_fields=["sentiment", "polarity", "severity", "reasons", "triaged_at"])
        topics = {t.name: t for t in Topic.objects.filter(name__in=result.topics)}
        item.topics.set([topics[name] for name in result.topics if name in topics])
        rollup_triage(item, before, topics_before, {t.pk for t in topics.values()})
        feedback_triaged.send(sender=type(item), item=item, result=result, failure=item.is_failure)
    return item


def response_triage(*, response_id: int) -> Response | None:
    response = (
        Response.objects.select_related("customer", "invitation__event", "survey")
        .prefetch_related("answers__question")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        return None
    text, scores = response_inputs(response)
    result = triage(text, scores=scores, kind="response", vocabulary=vocabulary())
    return _store(response, result)


def complaint_triage(*, complaint_id: int) -> Complaint | None:
    complaint = Complaint.objects.select_related("customer").filter(pk=complaint_id).first()
    if complaint is None:
        return None
    text = f"{complaint.subject}. {complaint.text}" if complaint.subject else complaint.text
    result = triage(text, kind="complaint", vocabulary=vocabulary())
    return _store(complaint, result)


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


def retriage(
    start: datetime, end: datetime, progress: Callable[[int, int], None] | None = None
) -> int:
    """Triage again everything received in the range (after the vocabulary or engine changed)."""
    responses, complaints = _in_range(start, end)
    total = responses.count() + complaints.count()
    done = 0
    for kind, pk in items_in_range(start, end):
        if kind == "response":
            response_triage(response_id=pk)
        else:
            complaint_triage(complaint_id=pk)
        done += 1
        if progress and (done % 100 == 0 or done == total):
            progress(done, total)
    return done


TRIAGE_SWEEP_AFTER = timedelta(minutes=5)


def triage_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Triage what arrived more than TRIAGE_SWEEP_AFTER ago and is still untriaged: its task was
    lost (a broker such as Redis hands a task out once, so a worker killed while holding it
    loses it) or never queued. Scheduled every minute; a partial index keeps it cheap."""
    cutoff = (now or timezone.now()) - TRIAGE_SWEEP_AFTER
    done = 0
    for model, arrived, run in (
        (Response, "received_at", lambda pk: response_triage(response_id=pk)),
        (Complaint, "created_at", lambda pk: complaint_triage(complaint_id=pk)),
    ):
        waiting = model.objects.filter(triaged_at__isnull=True, **{f"{arrived}__lt": cutoff})
        for pk in waiting.order_by(arrived).values_list("pk", flat=True)[:limit]:
            run(pk)
            done += 1
    return done


# --- Tasks (django-q2 runs these by their function object; each takes an id) ------------------


def triage_response(response_id: int) -> str | None:
    """Queued after commit for every new response."""
    response = response_triage(response_id=response_id)
    return response.sentiment if response else None


def triage_complaint(complaint_id: int) -> str | None:
    """Queued after commit for every new complaint."""
    complaint = complaint_triage(complaint_id=complaint_id)
    return complaint.sentiment if complaint else None
