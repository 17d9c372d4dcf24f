"""Answering a survey: the checks every channel shares, and the one way a response is stored.

Web form, anonymous link, API and file import all call `response_submit`. It stores the whole
response or nothing, answers an invitation once (a second submit returns the first response and
changes nothing), and queues triage after commit.

The invitation form, the path a burst of customers takes at once, goes through
`answers_receive` first: it makes every check the customer must hear about (link expired, survey
closed, an answer missing or wrong, already answered) and then writes one row, `ReceivedAnswers`.
`received_store`, a background task, passes each row to `response_submit` and deletes it in the
same transaction, so each accepted form is stored once, whichever worker dies when.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import Truncator
from django_q.conf import Conf

from feedback_app.core.background import (
    item_tasks_batched,
    queue_item_task,
    queue_item_task_on_commit,
)
from feedback_app.core.errors import Conflict, DomainError
from feedback_app.core.signals import customer_active
from feedback_app.customers.models import Channel, Customer
from feedback_app.customers.services.timeline import timeline_record
from surveys.models import Answer, Invitation, Question, ReceivedAnswers, Response, Survey
from surveys.selectors import survey_questions
from surveys.services.intake import (
    by_key,
    check_channel,
    check_past,
    client_key,
    insert_once,
    intake_once,
    submitter,
)
from surveys.services.rollups import rollup_arrival
from surveys.services.triage import triage_response

logger = logging.getLogger(__name__)


class AnswersInvalid(DomainError):
    """Some answers are missing or wrong; `errors` maps question ids to messages."""

    def __init__(self, errors: dict[int | str, str]):
        super().__init__("Some answers need your attention.", field="answers", errors=errors)
        self.errors = errors


class InvitationExpired(Conflict):
    pass


class SurveyClosed(Conflict):
    pass


@dataclass
class Submission:
    response: Response
    created: bool


def _check_live(survey: Survey) -> None:
    if survey.status != Survey.Status.LIVE:
        raise SurveyClosed(
            "This survey is closed and no longer takes answers."
            if survey.status == Survey.Status.CLOSED
            else "This survey is not open for answers yet."
        )


def _is_blank(value) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    )


def _clean_one(question: Question, value):
    """Return (number, choices, text) for one answer, or raise ValueError with a message."""
    if question.is_rating:
        low, high = question.scale
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"Choose a whole number from {low} to {high}.")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"Choose a whole number from {low} to {high}.") from None
        if not low <= number <= high:
            raise ValueError(f"Choose a number from {low} to {high}.")
        return number, [], ""
    if question.kind == Question.Kind.SINGLE:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str) or value not in question.choices:
            raise ValueError("Choose one of the options.")
        return None, [value], ""
    if question.kind == Question.Kind.MULTIPLE:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise ValueError("Choose from the options.")
        unknown = [v for v in values if v not in question.choices]
        if unknown:
            raise ValueError("Choose from the options.")
        return None, [c for c in question.choices if c in values], ""
    if not isinstance(value, str):
        raise ValueError("Write your answer as text.")
    text = value.replace("\x00", "").strip()
    if len(text) > Question.MAX_TEXT:
        raise ValueError(f"Please keep your answer under {Question.MAX_TEXT:,} characters.")
    return None, [], text


def answers_clean(*, survey: Survey, answers: Mapping) -> list[Answer]:
    """Check raw answers (question id → value) against the survey's questions.

    Every problem is collected, so a form can show them all at once. Unknown question ids are
    an error, not silently dropped: the sender believes they answered something.
    """
    questions = {q.pk: q for q in survey_questions(survey)}
    errors: dict[int | str, str] = {}
    cleaned = []
    given = {}
    for key, value in (answers or {}).items():
        try:
            given[int(key)] = value
        except (TypeError, ValueError):
            errors[str(key)] = "This is not a question of this survey."
    for pk in given:
        if pk not in questions:
            errors[pk] = "This is not a question of this survey."
    for pk, question in questions.items():
        value = given.get(pk)
        if _is_blank(value):
            if question.required:
                errors[pk] = "Please answer this question."
            continue
        try:
            number, choices, text = _clean_one(question, value)
        except ValueError as exc:
            errors[pk] = str(exc)
            continue
        cleaned.append(Answer(question=question, number=number, choices=choices, text=text))
    if errors:
        raise AnswersInvalid(errors)
    if not cleaned:
        raise AnswersInvalid({"answers": "Please answer at least one question."})
    return cleaned


def _summary(answers: list[Answer]) -> str:
    parts = []
    for answer in answers:
        q = answer.question
        if q.is_rating:
            parts.append(f"{q.get_kind_display().split(' ')[0]} {answer.number}")
        elif answer.text:
            parts.append(f"\u201c{Truncator(answer.text).chars(120)}\u201d")
        elif answer.choices:
            parts.append(", ".join(answer.choices))
    return " · ".join(parts)


# Long on purpose: its body is the find/winner/store closures that intake_once runs; as separate
# functions each would take the same ten arguments.
def response_submit(
    *,
    survey: Survey,
    answers: Mapping,
    channel: str,
    customer: Customer | None = None,
    invitation: Invitation | None = None,
    submitted_at: datetime | None = None,
    idempotency_key: str | None = None,
    source_reference: str = "",
    actor=None,
    accepted: bool = False,
) -> Submission:
    """Store one response with all its answers, or nothing.

    With an invitation: the invitation's survey and customer are used, and a second submit
    returns the first response (`created` False). With an `idempotency_key`: a retry with the
    same key returns the first response. A closed survey or an expired invitation is refused;
    `accepted` answers were checked when received (`answers_receive`, at `submitted_at`), so a
    survey closed since does not refuse them.
    """
    now = timezone.now()
    submitted_at = submitted_at or now
    check_channel(channel)
    check_past(submitted_at, field="submitted_at", now=now)
    key = client_key(actor, idempotency_key, limit=100)

    def find() -> Response | None:
        found = by_key(Response, idempotency_key=key) if key else None
        if found is not None and found.survey_id != survey.pk:
            raise Conflict(
                "This idempotency key was used for another survey.", field="idempotency_key"
            )
        return found

    def winner() -> Response | None:
        """Who won a race of the same invitation or key."""
        found = by_key(Response, invitation=invitation) if invitation is not None else None
        return found or (by_key(Response, idempotency_key=key) if key else None)

    def store() -> tuple[Response, bool]:
        nonlocal invitation, survey, customer
        if invitation is not None:
            invitation = (
                Invitation.objects.select_for_update(of=("self",))
                .select_related("survey", "customer")
                .get(pk=invitation.pk)
            )
            already = Response.objects.filter(invitation=invitation).first()
            if already is not None:
                return already, False
            if invitation.expires_at <= submitted_at:
                raise InvitationExpired("This survey link has expired.")
            survey, customer = invitation.survey, invitation.customer
        if not accepted:
            _check_live(survey)
        cleaned = answers_clean(survey=survey, answers=answers)
        response = Response(
            survey=survey,
            customer=customer,
            invitation=invitation,
            channel=channel,
            submitted_at=submitted_at,
            idempotency_key=key,
            submitted_by=submitter(actor),
            source_reference=source_reference[:200],
            nps=next((a.number for a in cleaned if a.question.kind == Question.Kind.NPS), None),
        )
        response.take_segments(customer)
        response.save()
        for answer in cleaned:
            answer.response = response
        Answer.objects.bulk_create(cleaned)
        rollup_arrival(response, cleaned)
        if invitation is not None:
            invitation.status = Invitation.Status.ANSWERED
            invitation.answered_at = now
            invitation.save(update_fields=["status", "answered_at"])
        if customer is not None:
            timeline_record(
                customer=customer,
                kind="response.submitted",
                title=f"Answered \u201c{survey.name}\u201d",
                body=_summary(cleaned),
                channel=channel,
                actor=actor,
                subject=response,
                occurred_at=submitted_at,
            )
        if customer is not None and survey.purpose != Survey.Purpose.RECOVERY_FOLLOW_UP:
            customer_active.send(sender=Response, customer=customer, at=submitted_at)
        queue_item_task_on_commit(triage_response, response.pk)
        return response, True

    return Submission(*intake_once(find=find, create=store, winner=winner))


# --- The invitation form: accept at once, store in the background --------------------------------

# A web process queues the store task at most this often; a store task that stored something keeps
# looking for RECEIVED_LINGER seconds more, which must exceed it, so no accepted row is left
# waiting for the next burst (the scheduled sweep is the net under a lost task).
RECEIVED_KICK_EVERY = 0.5
RECEIVED_LINGER = 1.0
RECEIVED_BATCH_PAUSE = 0.01
RECEIVED_SWEEP_AFTER = timedelta(minutes=1)
RECEIVED_MAX_ATTEMPTS = 10
# None until this process first queues it, so the first kick always goes: time.monotonic() counts
# from an arbitrary point (boot, or a sandbox's start), so no starting number is safely "long ago".
_last_kick: float | None = None


def answers_receive(
    *, invitation: Invitation, answers: Mapping, received_at: datetime | None = None
) -> bool:
    """Accept a customer's answers to an invitation; False when it was already answered.

    Makes every check `response_submit` makes (raising the same errors) against the invitation as
    read, then writes one row; the store task turns it into the response.
    """
    received_at = received_at or timezone.now()
    if invitation.answer_received:
        return False
    if invitation.expires_at <= received_at:
        raise InvitationExpired("This survey link has expired.")
    _check_live(invitation.survey)
    answers_clean(survey=invitation.survey, answers=answers)
    accepted = insert_once(
        ReceivedAnswers,
        invitation=invitation,
        answers={str(key): value for key, value in answers.items()},
        received_at=received_at,
    )
    if not accepted:
        return False  # a second tap of the same form: the first answers stand
    _kick()
    return True


def _kick() -> None:
    """Queue the store task, at most once per RECEIVED_KICK_EVERY seconds per process (every
    time when tasks run in the caller, as in tests). A broker that is down does not undo the
    customer's accepted answers: the sweep stores them."""
    global _last_kick
    now = time.monotonic()
    if Conf.SYNC or _last_kick is None or now - _last_kick >= RECEIVED_KICK_EVERY:
        _last_kick = now
        try:
            queue_item_task(store_received)
        except Exception:  # the answers are safe; the sweep stores them within a minute or two
            if Conf.SYNC:
                raise
            logger.exception("Could not queue the store task; the sweep will store the answers")


def received_store(*, linger: float = 0.0, batch: int = 50, budget: float | None = None) -> int:
    """Store received answers as responses, oldest first; returns how many were stored.

    Once it has stored something it keeps looking until `linger` seconds pass with nothing new.
    After `budget` seconds with rows still waiting it queues a fresh store task for them and
    returns, so a long backlog never outlives a task's time limit. A row that fails is logged,
    counted in `attempts` and left to `received_sweep`.
    """
    started = quiet_since = time.monotonic()
    stored = 0
    waiting = ReceivedAnswers.objects.filter(attempts=0).order_by("received_at")
    while True:
        keys = list(waiting.values_list("pk", flat=True)[:batch])
        done = received_store_batch(keys)
        if done:
            stored += done
            quiet_since = time.monotonic()
        if keys:
            # On SQLite one writer at a time: a moment between batches lets the triage of what
            # was just stored take its turn, so tickets open during a burst, not after it.
            time.sleep(RECEIVED_BATCH_PAUSE)
            if budget is not None and time.monotonic() - started >= budget:
                queue_item_task(store_received)
                return stored
            continue
        if not stored or time.monotonic() - quiet_since >= linger:
            return stored
        time.sleep(0.1)


def received_store_batch(keys: list[int]) -> int:
    """Store a batch of received rows in one transaction (a savepoint each: a row that fails is
    rolled back alone, logged and counted, and the others are kept), with the triage of all
    those stored queued as one background task. Returns how many were stored."""
    if not keys:
        return 0
    try:
        with item_tasks_batched(), transaction.atomic():
            # Each row in a savepoint of its own: one that fails is rolled back, logged and
            # counted alone (received_store_one), and the batch goes on.
            stored = sum(received_store_one(key) for key in keys)
    except DatabaseError:
        # Only the commit checks foreign keys (they are deferred), so a bad row can fail the
        # whole batch there: then each row alone, the bad one failing by itself.
        logger.warning("A batch of %d received answers failed at commit; one by one", len(keys))
        return sum(received_store_one(key) for key in keys)
    return stored


def received_sweep(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Scheduled every minute: store what waited longer than RECEIVED_SWEEP_AFTER (its task was
    lost with a worker) and try failed rows again, up to RECEIVED_MAX_ATTEMPTS times."""
    cutoff = (now or timezone.now()) - RECEIVED_SWEEP_AFTER
    keys = ReceivedAnswers.objects.filter(
        received_at__lt=cutoff, attempts__lt=RECEIVED_MAX_ATTEMPTS
    ).order_by("received_at")
    return sum(received_store_one(key) for key in keys.values_list("pk", flat=True)[:limit])


def received_store_one(key: int) -> bool:
    """Store one row of received answers; False if it is gone or failed (then logged, counted)."""
    try:
        with transaction.atomic():
            row = (
                ReceivedAnswers.objects.select_for_update(skip_locked=True)
                .select_related("invitation__survey")
                .filter(pk=key)
                .first()
            )
            if row is None:
                return False  # another store task has it, or has stored it
            response_submit(
                survey=row.invitation.survey,
                invitation=row.invitation,
                answers=row.answers,
                channel=Channel.WEB,
                submitted_at=row.received_at,
                accepted=True,
            )
            row.delete()
        return True
    except Exception as exc:  # one bad row must not stop the others
        logger.exception("Received answers for invitation %s could not be stored", key)
        ReceivedAnswers.objects.filter(pk=key).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        return False


def store_received() -> int:
    """The task (queued by the invitation form, at most twice a second per web process): store
    the answers it accepted. Keeps looking for a moment once busy, so a burst is one long task,
    and hands what is left to a fresh task after half the task time limit."""
    if Conf.SYNC:
        return received_store()
    return received_store(linger=RECEIVED_LINGER, budget=(Conf.TIMEOUT or 120) / 2)
