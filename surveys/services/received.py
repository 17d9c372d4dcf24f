"""The invitation form's path, and the API's for complaints it may file later: accept at once,
store in the background.

The path a burst of customers takes at once. `answers_receive` makes every check the customer
must hear about (link expired, survey closed, an answer missing or wrong, already answered) and
then writes one row, `ReceivedAnswers`. `received_store`, a background task, stores the rows as
responses in batches (what `response_submit` gives each one, with bulk statements) and deletes
them in the same transaction, so each accepted form is stored once, whichever worker dies when.

`complaint_accept` is the same for a complaint sent to the API with `Prefer: respond-async`: the
checks `complaint_submit` makes, then one `ReceivedComplaint` row, which the same store task
files (`surveys.services.received_complaints`).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.conf import Conf

from feedback_app.core.background import (
    item_tasks_batched,
    queue_item_task,
    queue_item_task_on_commit,
)
from feedback_app.core.bulk import Insert, Later, rows_insert
from feedback_app.core.errors import DomainError
from feedback_app.core.signals import customer_active
from feedback_app.customers.models import Channel, TimelineEntry
from feedback_app.customers.services.timeline import timeline_entry
from surveys.models import Invitation, ReceivedAnswers, ReceivedComplaint, Response, Survey
from surveys.services.complaints import complaint_checked
from surveys.services.intake import client_key, insert_once, submitter, waiting_failed
from surveys.services.received_complaints import (
    RECEIPT_KEY_LIMIT,
    received_complaint_claims,
    received_complaint_fields,
    received_complaints_store,
    received_complaints_sweep,
    received_complaints_waiting,
)
from surveys.services.responses import (
    InvitationExpired,
    answers_clean,
    check_live,
    own_moments,
    response_new,
    response_submit,
    submitted_entry,
)
from surveys.services.rollups import arrivals_counted, rollup_counts_add
from surveys.services.triage import triage_response

logger = logging.getLogger(__name__)

# A web process queues the store task at most this often; a store task that stored something keeps
# looking for RECEIVED_LINGER seconds more, which must exceed it, so no accepted row is left
# waiting for the next burst (the scheduled sweep is the net under a lost task).
RECEIVED_KICK_EVERY = 0.5
RECEIVED_LINGER = 1.0
RECEIVED_BATCH_PAUSE = 0.01
# Rows a store batch takes: one transaction, and one triage task for what it stored.
RECEIVED_BATCH = 200
RECEIVED_SWEEP_AFTER = timedelta(minutes=1)
# The shared cache's key a store task holds while it works: released when it stops, and renewed
# for RECEIVED_CLAIM_FOR seconds after every batch, so a worker killed while holding it stops
# the storing only that long (with the task time limit instead, a restart stopped it 2 minutes).
RECEIVED_STORING = "surveys:received:storing"
RECEIVED_CLAIM_FOR = 15
RECEIVED_MAX_ATTEMPTS = 10
# How long a one-click answer saved alone waits for the rest of the customer's answers.
QUICK_HOLD = timedelta(minutes=15)
# None until this process first queues it, so the first kick always goes: time.monotonic() counts
# from an arbitrary point (boot, or a sandbox's start), so no starting number is safely "long ago".
_last_kick: float | None = None


def held_answers(invitation: Invitation) -> ReceivedAnswers | None:
    """The one-click answer saved for this invitation and still held for the rest, if any (as
    read with the invitation, which selects it)."""
    try:
        row = invitation.received
    except ReceivedAnswers.DoesNotExist:
        return None
    return row if row is not None and row.partial and row.hold_until is not None else None


def _check(invitation: Invitation, received_at: datetime) -> None:
    if invitation.expires_at <= received_at:
        raise InvitationExpired("This survey link has expired.")
    check_live(invitation.survey)


def answers_receive(
    *, invitation: Invitation, answers: Mapping, received_at: datetime | None = None
) -> bool:
    """Accept a customer's answers to an invitation; False when it was already answered.

    Makes every check `response_submit` makes (raising the same errors) against the invitation as
    read, then writes one row; the store task turns it into the response. When the page saved
    a one-click answer alone (`quick_receive`) and holds it, these answers replace it.
    """
    received_at = received_at or timezone.now()
    held = held_answers(invitation)
    if invitation.answer_received and held is None:
        return False
    _check(invitation, received_at)
    answers_clean(survey=invitation.survey, answers=answers)
    if held is not None:
        # Only while it is held: a store task that took it first wins, and these are refused.
        completed = ReceivedAnswers.objects.filter(
            pk=invitation.pk, partial=True, hold_until__isnull=False
        ).update(
            answers={str(key): value for key, value in answers.items()},
            partial=False,
            hold_until=None,
        )
        if completed:
            _kick()
        return bool(completed)
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


def quick_receive(
    *, invitation: Invitation, answers: Mapping, received_at: datetime | None = None
) -> bool:
    """Save the answer a one-click link chose, alone, as the page does a moment after it opens in
    a browser (link scanners run no script). Held for QUICK_HOLD so the customer's Send can add
    the rest (`answers_receive`); stored as it is after that. False when already answered."""
    received_at = received_at or timezone.now()
    if invitation.answer_received:
        return False
    _check(invitation, received_at)
    answers_clean(survey=invitation.survey, answers=answers, partial=True)
    return insert_once(
        ReceivedAnswers,
        invitation=invitation,
        answers={str(key): value for key, value in answers.items()},
        received_at=received_at,
        partial=True,
        hold_until=received_at + QUICK_HOLD,
    )


def complaint_accept(
    *,
    text: str,
    channel: str,
    identities: dict,
    subject: str = "",
    reference: str = "",
    received_at: datetime | None = None,
    idempotency_key: str | None = None,
    actor=None,
) -> str:
    """Accept a complaint to be filed in the background; returns its receipt: the sender's
    idempotency key, or one made for it when it sent none (the filed complaint keeps it as its
    key). Raises what complaint_submit raises for a complaint it would refuse. The same key sent
    again while the first waits keeps the first; once filed, complaint_submit finds it."""
    now = timezone.now()
    received_at = received_at or now
    text = complaint_checked(
        text=text, subject=subject, channel=channel, received_at=received_at, now=now
    )
    fields = received_complaint_fields(
        text=text,
        subject=subject,
        reference=reference,
        channel=channel,
        received_at=received_at,
        idempotency_key=(idempotency_key or "").strip()[:RECEIPT_KEY_LIMIT]
        or secrets.token_urlsafe(18),
        identities=identities,
    )
    received_complaint_claims(fields)  # no usable identity: refused now, not at filing
    accepted = insert_once(
        ReceivedComplaint,
        key=client_key(actor, fields["idempotency_key"], limit=RECEIPT_KEY_LIMIT),
        sent_by=submitter(actor),
        received_at=now,
        fields=fields,
    )
    if accepted:
        _kick()
    return fields["idempotency_key"]


def _unheld(now: datetime | None = None) -> Q:
    """Rows the store may take: not held for the customer's Send, or held no longer."""
    return Q(hold_until__isnull=True) | Q(hold_until__lte=now or timezone.now())


def _first_tries(now: datetime | None = None):
    """The rows waiting for the store task: never tried (failed ones are the sweep's), not held."""
    return ReceivedAnswers.objects.filter(_unheld(now), attempts=0)


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


def received_store(
    *,
    linger: float = 0.0,
    batch: int = RECEIVED_BATCH,
    budget: float | None = None,
    now: datetime | None = None,
    claimed: bool = False,
) -> int:
    """Store received answers as responses, oldest first, and file accepted complaints;
    returns how many were stored.

    Once it has stored something it keeps looking until `linger` seconds pass with nothing new.
    After `budget` seconds with rows still waiting it queues a fresh store task for them and
    returns, so a long backlog never outlives a task's time limit. A row that fails is logged,
    counted in `attempts` and left to `received_sweep`. `now` (the sweep's) decides which
    one-click answers are no longer held. `claimed`: it holds RECEIVED_STORING, and renews it.
    """
    started = quiet_since = time.monotonic()
    stored = 0
    while True:
        waiting = _first_tries(now).order_by("received_at")
        keys = list(waiting.values_list("pk", flat=True)[:batch])
        done = received_store_batch(keys, now)
        complaints, filed = received_complaints_store()
        done += filed
        if claimed:
            cache.touch(RECEIVED_STORING, RECEIVED_CLAIM_FOR)
        if done:
            stored += done
            quiet_since = time.monotonic()
        if keys or complaints:
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


def received_store_batch(keys: list[int], now: datetime | None = None) -> int:
    """Store a batch of received rows with bulk statements in one transaction,
    with the triage of all those stored queued as one background task. Rows the bulk step
    cannot take (answers no longer valid, a link expired since) and a batch whose transaction
    fails are stored one at a time instead (received_store_one: a row that fails is logged and
    counted alone, the others kept). Returns how many were stored. `now` (the sweep's) decides
    which one-click answers are no longer held."""
    if not keys:
        return 0
    try:
        # Everything read and built first, and the transaction only re-checks what may have
        # changed meanwhile and writes: on SQLite a write transaction holds the one write lock
        # from its start, so work done inside it is work the triage of the last batch waits for.
        made, alone = _store_ready(keys, now)
        with item_tasks_batched(), transaction.atomic():
            stored, more = _store_written(made, now) if made.ready else (0, [])
        alone += more
    except Exception:
        # Foreign keys are checked only at commit on SQLite (they are deferred), so a bad row
        # can fail the whole batch there: then each row alone, the bad one failing by itself.
        logger.warning("A batch of %d received answers failed; one by one", len(keys))
        stored, alone = 0, keys
    if alone:
        with item_tasks_batched():
            stored += sum(received_store_one(key, now=now) for key in alone)
    return stored


@dataclass
class _Ready:
    """A received row as the store batch built it before its transaction: the response and its
    answers and timeline entry, unsaved (no response: answered another way, the row just goes)."""

    row: ReceivedAnswers
    response: Response | None = None
    cleaned: list = field(default_factory=list)
    entry: TimelineEntry | None = None


@dataclass
class _Made:
    """A store batch built: its rows, what they add to the day tables, and the INSERTs of
    their responses, answers and timeline entries with their parameters made."""

    ready: list[_Ready]
    counted: list = field(default_factory=list)
    responses: Insert | None = None
    answers: Insert | None = None
    entries: Insert | None = None


def _store_ready(keys: list[int], now: datetime | None = None) -> tuple[_Made, list[int]]:
    """The batch's rows read and built, outside any transaction; (ready, keys for one by one).
    What each row gets is what response_submit gives an accepted answer."""
    rows = list(
        _first_tries(now).select_related("invitation__customer").filter(pk__in=keys).order_by("pk")
    )
    # A batch answers a survey or two: each read and made once, not once a row.
    surveys = Survey.objects.in_bulk({row.invitation.survey_id for row in rows})
    for row in rows:
        row.invitation.survey = surveys[row.invitation.survey_id]
    ids = [row.pk for row in rows]
    answered = set(
        Response.objects.filter(invitation_id__in=ids).values_list("invitation_id", flat=True)
    )
    found = set(ids)  # the others are gone or failed before
    ready, alone = [], [key for key in keys if key not in found]
    for row in rows:
        invitation = row.invitation
        if invitation.pk in answered:
            ready.append(_Ready(row))  # answered another way meanwhile: the first stands
            continue
        if invitation.expires_at <= row.received_at:
            alone.append(row.pk)
            continue
        try:
            cleaned = answers_clean(
                survey=invitation.survey, answers=row.answers, partial=row.partial
            )
        except DomainError:
            alone.append(row.pk)
            continue
        response = response_new(
            survey=invitation.survey,
            customer=invitation.customer,
            invitation=invitation,
            channel=Channel.WEB,
            submitted_at=row.received_at,
            cleaned=cleaned,
        )
        entry = None
        if response.customer is not None:  # its subject (the response) is set once saved
            entry = timeline_entry(**submitted_entry(response, cleaned))
        ready.append(_Ready(row, response, cleaned, entry))
    built = [r for r in ready if r.response is not None]
    for r in built:
        for answer in r.cleaned:
            answer.response = r.response  # its id filled in when the response is written
        if r.entry is not None:
            r.entry.subject_id = Later(r.response)
    made = _Made(
        ready,
        arrivals_counted([(r.response, r.cleaned) for r in built]),
        rows_insert([r.response for r in built], returning=True),
        rows_insert([answer for r in built for answer in r.cleaned]),
        rows_insert([r.entry for r in built if r.entry is not None]),
    )
    return made, alone


# Long on purpose: the batch's one transaction (re-check, then every write one statement).
def _store_written(made: _Made, now: datetime | None = None) -> tuple[int, list[int]]:
    """Inside the batch's transaction: take the rows still waiting as they were read (another
    task may have taken one, the customer's Send may have completed a held one), lock their
    invitations as response_submit locks one, drop those answered meanwhile, then write.
    Returns (stored, keys left for one by one)."""
    ready, counted = made.ready, made.counted
    still = dict(
        _first_tries(now)
        .select_for_update(skip_locked=True)
        .filter(pk__in=[r.row.pk for r in ready])
        .values_list("pk", "partial")
    )
    # Gone, another task's (locked), or completed since: each alone, as the batch cannot tell.
    alone = [r.row.pk for r in ready if still.get(r.row.pk) != r.row.partial]
    ready = [r for r in ready if still.get(r.row.pk) == r.row.partial]
    ids = [r.row.pk for r in ready]
    # The invitations locked in one order (no deadlock), then what was answered meanwhile.
    list(Invitation.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    answered = set(
        Response.objects.filter(invitation_id__in=ids).values_list("invitation_id", flat=True)
    )
    stored = [r for r in ready if r.response is not None and r.row.pk not in answered]
    if len(stored) < sum(1 for r in made.ready if r.response is not None):
        # Some left for one by one or answered meanwhile: count only those stored here.
        counted = arrivals_counted([(r.response, r.cleaned) for r in stored])
    made.responses.run([r.response for r in stored])
    made.answers.run([answer for r in stored for answer in r.cleaned])
    rollup_counts_add(counted)
    Invitation.objects.filter(pk__in=[r.row.pk for r in stored]).update(
        status=Invitation.Status.ANSWERED, answered_at=timezone.now()
    )
    made.entries.run([r.entry for r in stored if r.entry is not None])
    if active := own_moments([r.response for r in stored]):
        customer_active.send(sender=Response, moments=active)
    for r in stored:
        queue_item_task_on_commit(triage_response, r.response.pk)
    ReceivedAnswers.objects.filter(pk__in=ids).delete()
    return len(stored), alone


def received_sweep(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Scheduled every minute: store what waited longer than RECEIVED_SWEEP_AFTER (its task was
    lost with a worker, or it was a one-click answer whose hold has passed) and try failed rows
    again, up to RECEIVED_MAX_ATTEMPTS times; accepted complaints alike.

    Rows waiting for their first try are stored as the store task stores them: the sweep runs
    it, unless one is at work (its claim), and then they are that task's to take in their turn.
    In a backlog longer than a minute every row looks late: storing them here one by one raced
    the working task for the write lock at a fraction of its speed. Failed rows one by one."""
    now = now or timezone.now()
    cutoff = now - RECEIVED_SWEEP_AFTER
    failed = ReceivedAnswers.objects.filter(
        _unheld(now), received_at__lt=cutoff, attempts__gt=0, attempts__lt=RECEIVED_MAX_ATTEMPTS
    ).order_by("received_at")
    keys = failed.values_list("pk", flat=True)[:limit]
    stored = sum(received_store_one(key, now=now) for key in keys)
    stored += received_complaints_sweep(cutoff=cutoff, attempts=RECEIVED_MAX_ATTEMPTS, limit=limit)
    late = _first_tries(now).filter(received_at__lt=cutoff)
    if late.exists() or received_complaints_waiting(before=cutoff):
        stored += store_received(now=now)
    return stored


def received_store_one(key: int, now: datetime | None = None) -> bool:
    """Store one row of received answers; False if it is gone or failed (then logged, counted)."""
    try:
        with transaction.atomic():
            row = (
                ReceivedAnswers.objects.select_for_update(skip_locked=True)
                .select_related("invitation__survey")
                .filter(_unheld(now), pk=key)
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
                partial=row.partial,
            )
            row.delete()
        return True
    except Exception as exc:  # one bad row must not stop the others
        logger.exception("Received answers for invitation %s could not be stored", key)
        waiting_failed(ReceivedAnswers, key, exc)
        return False


def store_received(*, now: datetime | None = None) -> int:
    """The task (queued by the invitation form and the complaint API's respond-async, at most
    twice a second per web process): store the answers and file the complaints they accepted.
    Keeps looking for a moment once busy, so a burst is one long task,
    and hands what is left to a fresh task after half the task time limit.

    One at a time: while a store task works (its claim in the shared cache), another returns at
    once and leaves its worker to the triage of what is being stored; the working one looks
    again after giving up its claim, so rows such a task left are not left waiting (a one-click
    answer still held is not waiting: the sweep stores it once its hold passes). The sweep
    passes its `now`."""
    if Conf.SYNC:
        return received_store(now=now)
    limit = Conf.TIMEOUT or 120
    if not cache.add(RECEIVED_STORING, True, timeout=RECEIVED_CLAIM_FOR):
        return 0
    try:
        stored = received_store(linger=RECEIVED_LINGER, budget=limit / 2, now=now, claimed=True)
    finally:
        cache.delete(RECEIVED_STORING)
    if _first_tries().exists() or received_complaints_waiting():
        queue_item_task(store_received)
    return stored
