"""CSV imports of responses, events and complaints, streamed row by row.

Each row goes through the same service as the API (`response_submit`, `event_record`,
`complaint_submit`) in its own savepoint: a bad row is recorded with its line number and reason
and the rest go on. Rows carry an idempotency key (their own, or one made from the job and
line), so running a job again after a crash adds nothing twice. Memory stays flat however long
the file is.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from datetime import time as day_time

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django_q.conf import Conf
from django_q.tasks import async_task

from feedback_app.core.background import item_tasks_batched
from feedback_app.core.errors import Conflict, DomainError
from feedback_app.customers.models import Channel
from feedback_app.customers.services.resolve import customer_resolve
from surveys.models import ImportJob, ImportRejection, Survey
from surveys.services.complaints import complaint_submit
from surveys.services.invitations import event_record
from surveys.services.responses import AnswersInvalid, response_submit

logger = logging.getLogger(__name__)

IDENTITY_COLUMNS = ("email", "phone", "external_id", "external_source", "name")
RESPONSE_COLUMNS = ("submitted_at", "channel", "idempotency_key", "reference", *IDENTITY_COLUMNS)
EVENT_COLUMNS = ("event_type", "occurred_at", "event_id", *IDENTITY_COLUMNS)
COMPLAINT_COLUMNS = (
    "received_at",
    "channel",
    "reference",
    "subject",
    "text",
    "idempotency_key",
    *IDENTITY_COLUMNS,
)
COLUMNS = {
    ImportJob.Kind.RESPONSES: RESPONSE_COLUMNS,
    ImportJob.Kind.EVENTS: EVENT_COLUMNS,
    ImportJob.Kind.COMPLAINTS: COMPLAINT_COLUMNS,
}
MULTIPLE_SEPARATOR = "|"
# Rows stored per transaction: fewer commits and one triage task per chunk, while a chunk holds
# SQLite's write lock for well under a second (about 3 ms a row).
CHUNK_ROWS = 100
COUNTERS = ["processed_rows", "accepted_rows", "duplicate_rows", "rejected_rows"]
NOT_UTF8 = "the file is not UTF-8 text; save it as CSV UTF-8 and try again"
MAX_FIELD = 20_000  # characters in one cell; free-text answers are capped at 10,000 anyway


class RowRejected(Exception):
    pass


def response_template_header(survey: Survey) -> list[str]:
    """The header line a shop should use for this survey: identities, then q1..qN."""
    count = survey.questions.count()
    return [*RESPONSE_COLUMNS, *[f"q{n}" for n in range(1, count + 1)]]


def _when(value: str, column: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        # Well-formed but impossible ("2026-02-30", "2026-13-45") raises instead of None.
        moment = parse_datetime(value)
        day = parse_date(value) if moment is None else None
    except (ValueError, OverflowError):
        raise RowRejected(f"{column} {value!r} is not a date on the calendar") from None
    if moment is None:
        if day is None:
            raise RowRejected(
                f"{column} {value!r} is not a date (use 2026-11-23 or 2026-11-23T14:05:00+00:00)"
            )
        moment = datetime.combine(day, day_time(12, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _identities(row: dict) -> dict:
    source = (row.get("external_source") or "").strip() or "import"
    external = (
        {source: row["external_id"].strip()} if (row.get("external_id") or "").strip() else {}
    )
    return {
        "email": (row.get("email") or "").strip(),
        "phone": (row.get("phone") or "").strip(),
        "external": external,
        "full_name": (row.get("name") or "").strip(),
    }


def _has_identity(identities: dict) -> bool:
    return bool(identities["email"] or identities["phone"] or identities["external"])


def _response_row(job: ImportJob, questions: list, line: int, row: dict) -> bool:
    answers = {}
    for number, question in enumerate(questions, start=1):
        raw = (row.get(f"q{number}") or "").strip()
        if not raw:
            continue
        if question.kind == question.Kind.MULTIPLE:
            answers[question.pk] = [
                part.strip() for part in raw.split(MULTIPLE_SEPARATOR) if part.strip()
            ]
        else:
            answers[question.pk] = raw
    channel = (row.get("channel") or "").strip().lower() or Channel.IMPORT
    if channel not in Channel.values:
        raise RowRejected(f"channel {channel!r} is not one of {', '.join(Channel.values)}")
    identities = _identities(row)
    customer = None
    if _has_identity(identities):
        customer = customer_resolve(
            channel=channel, actor=job.created_by, strict=False, verified=True, **identities
        ).customer
    key = (row.get("idempotency_key") or "").strip() or f"import:{job.pk}:{line}"
    submission = response_submit(
        survey=job.survey,
        answers=answers,
        channel=channel,
        customer=customer,
        submitted_at=_when(row.get("submitted_at"), "submitted_at"),
        idempotency_key=key,
        source_reference=(row.get("reference") or "").strip() or f"{job.filename}, line {line}",
        actor=job.created_by,
    )
    return submission.created


def _event_row(job: ImportJob, line: int, row: dict) -> bool:
    identities = _identities(row)
    occurred_at = _when(row.get("occurred_at"), "occurred_at")
    if occurred_at is None:
        raise RowRejected("occurred_at is empty")
    data = {
        key: value
        for key, value in row.items()
        if key and key not in EVENT_COLUMNS and value not in (None, "")
    }
    result = event_record(
        event_type=row.get("event_type") or "",
        occurred_at=occurred_at,
        data=data,
        channel=Channel.IMPORT,
        external_id=(row.get("event_id") or "").strip() or f"import-{job.pk}-{line}",
        actor=job.created_by,
        verified=True,  # a file staff chose to load
        **identities,
    )
    return result.created


def _complaint_row(job: ImportJob, line: int, row: dict) -> bool:
    channel = (row.get("channel") or "").strip().lower() or Channel.IMPORT
    if channel not in Channel.values:
        raise RowRejected(f"channel {channel!r} is not one of {', '.join(Channel.values)}")
    intake = complaint_submit(
        text=row.get("text") or "",
        subject=row.get("subject") or "",
        reference=row.get("reference") or "",
        channel=channel,
        received_at=_when(row.get("received_at"), "received_at"),
        idempotency_key=(row.get("idempotency_key") or "").strip() or f"import:{job.pk}:{line}",
        actor=job.created_by,
        verified=True,
        **_identities(row),
    )
    return intake.created


def _lines(stream: Iterable[str]) -> Iterable[str]:
    for line in stream:
        yield line.replace("\x00", "")


def _records(reader: csv.DictReader) -> Iterator[tuple[int, dict | None, str]]:
    """(line, row, problem) for each row of the file; an unreadable row comes as (line, None,
    why) and the reading goes on."""
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, f"unreadable row: {exc}"
            continue
        yield reader.line_num, row, ""


def _take(records: Iterator, count: int) -> tuple[list, UnicodeDecodeError | None]:
    """The next `count` records, and the decoding error that stopped the reading early, if any
    (the rows before it are still imported)."""
    taken = []
    try:
        for record in records:
            taken.append(record)
            if len(taken) == count:
                break
    except UnicodeDecodeError as exc:
        return taken, exc
    return taken, None


def import_run(
    *,
    job: ImportJob,
    stream: io.TextIOBase,
    progress: Callable[[ImportJob], None] | None = None,
    budget: float | None = None,
) -> ImportJob:
    """Import the rows of `stream` (text, header first) into `job`'s kind. Returns the job.

    Rows are stored CHUNK_ROWS to a transaction, each row in its own savepoint (a bad row is
    rejected alone, whatever went wrong with it); the job's counters and rejections are saved in
    the same transaction, so what the staff page shows is what is stored, and the triage of a
    chunk's rows is queued as one task. A file that cannot be read at all fails the job with a
    reason; so does anything unforeseen, so a job always ends.

    A job that is queued or running with rows already counted goes on after them (a follow-on
    task, or a worker that died part-way: the counters were committed with the rows). A done or
    failed job run again starts from the top; the rows it stored come back as duplicates.
    After `budget` seconds it queues a follow-on task for the rest and returns, still running,
    so a file of any size outlives the task time limit.
    """
    resume = job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    if job.processed_rows and not resume:
        job.rejections.all().delete()
        job.processed_rows = job.accepted_rows = job.duplicate_rows = job.rejected_rows = 0
    job.status, job.error = ImportJob.Status.RUNNING, ""
    job.started_at = job.started_at if resume and job.started_at else timezone.now()
    job.progressed_at = timezone.now()
    job.save(update_fields=["status", "error", "started_at", "progressed_at", *COUNTERS])
    try:
        return _import_rows(job, stream, progress, budget)
    except Exception as exc:
        logger.exception("Import %s stopped at row %s", job.pk, job.processed_rows)
        job.refresh_from_db(fields=COUNTERS)
        return _fail(job, [], f"stopped at row {job.processed_rows + 1}: {exc.__class__.__name__}")


# Long on purpose: the chunk loop holds the reader, the counters and the savepoints together; each
# step is commented inside.
def _import_rows(job, stream, progress, budget) -> ImportJob:
    started = time.monotonic()
    csv.field_size_limit(MAX_FIELD)
    rejections: list[ImportRejection] = []

    def reject(line: int, reason: str):
        job.rejected_rows += 1
        rejections.append(ImportRejection(job=job, row=line, reason=reason[:500]))

    reader = csv.DictReader(_lines(stream))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except UnicodeDecodeError:
        return _fail(job, rejections, NOT_UTF8)
    reader.fieldnames = header
    expected = COLUMNS[job.kind]
    if not header or not set(header) & set(expected):
        return _fail(
            job,
            rejections,
            f"the first line must be a header naming columns such as {', '.join(expected[:4])}",
        )
    questions = []
    if job.kind == ImportJob.Kind.RESPONSES:
        # Every row is checked against the same questions: read them once, not once a row.
        prefetch_related_objects([job.survey], "questions")
        questions = list(job.survey.questions.all())
    records = _records(reader)
    if job.processed_rows:
        _skipped, unreadable = _take(records, job.processed_rows)
        if unreadable is not None:
            return _fail(job, rejections, NOT_UTF8)
    while True:
        chunk, unreadable = _take(records, CHUNK_ROWS)
        with item_tasks_batched(), transaction.atomic():
            for line, row, problem in chunk:
                job.processed_rows += 1
                try:
                    if problem:
                        raise RowRejected(problem)
                    if None in row:
                        raise RowRejected("the row has more cells than the header")
                    with transaction.atomic():  # a savepoint: a rejected row leaves nothing
                        if job.kind == ImportJob.Kind.RESPONSES:
                            created = _response_row(job, questions, line, row)
                        elif job.kind == ImportJob.Kind.COMPLAINTS:
                            created = _complaint_row(job, line, row)
                        else:
                            created = _event_row(job, line, row)
                except AnswersInvalid as exc:
                    reject(
                        line,
                        "; ".join(f"{_column(questions, k)}: {v}" for k, v in exc.errors.items()),
                    )
                except (DomainError, RowRejected) as exc:
                    reject(line, getattr(exc, "message", None) or str(exc))
                except Exception as exc:  # any other failure is this row's alone
                    logger.exception("Import %s: row %s could not be stored", job.pk, line)
                    reject(line, f"could not be stored ({exc.__class__.__name__}: {exc})")
                else:
                    if created:
                        job.accepted_rows += 1
                    else:
                        job.duplicate_rows += 1
            ImportRejection.objects.bulk_create(rejections)
            rejections.clear()
            job.progressed_at = timezone.now()
            job.save(update_fields=[*COUNTERS, "progressed_at"])
        if unreadable is not None:
            return _fail(job, rejections, NOT_UTF8)
        if progress:
            progress(job)
        if len(chunk) < CHUNK_ROWS:
            break
        if budget is not None and time.monotonic() - started >= budget:
            async_task(run_import, job.pk)  # the rest, in a fresh task
            return job
    job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
    job.total_rows = job.processed_rows
    job.save(update_fields=["status", "finished_at", "total_rows"])
    return job


def _column(questions: list, key) -> str:
    for number, question in enumerate(questions, start=1):
        if question.pk == key:
            return f"q{number}"
    return str(key)


def _fail(job: ImportJob, rejections: list, reason: str) -> ImportJob:
    ImportRejection.objects.bulk_create(rejections)
    job.status, job.error, job.finished_at = ImportJob.Status.FAILED, reason[:500], timezone.now()
    job.save(update_fields=["status", "error", "finished_at", *COUNTERS])
    return job


def import_create(*, kind: str, uploaded, survey: Survey | None = None, actor=None) -> ImportJob:
    """Store an uploaded file as a job and queue it for a background worker after commit."""
    if kind not in ImportJob.Kind.values:
        raise DomainError(f"Unknown kind of import {kind!r}.", field="kind")
    if kind == ImportJob.Kind.RESPONSES and (survey is None or survey.status != Survey.Status.LIVE):
        raise DomainError(_("Choose a live survey for the responses."), field="survey")
    job = ImportJob.objects.create(
        kind=kind,
        survey=survey if kind == ImportJob.Kind.RESPONSES else None,
        file=uploaded,
        filename=getattr(uploaded, "name", "upload.csv")[:300],
        total_rows=count_data_lines(uploaded),
        created_by=actor,
    )
    transaction.on_commit(lambda: async_task(run_import, job.pk))
    return job


def count_data_lines(raw) -> int | None:
    """Data rows in a binary file, counted in 1 MiB chunks so it costs no memory (a line break
    inside a quoted cell makes this an estimate; the final count is set when the import ends).
    The file is left at its start."""
    try:
        raw.seek(0)
        newlines = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
        raw.seek(0)
    except (AttributeError, OSError):
        return None
    return max(0, newlines - 1)


def import_run_stored(*, job_id: int, budget: float | None = None) -> ImportJob:
    """Run a queued job from its stored file (the task), after the rows already counted. A
    finished job is left as it is."""
    job = ImportJob.objects.select_related("survey", "created_by").get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return job
    try:
        raw = job.file.open("rb")
    except OSError as exc:
        return _fail(job, [], f"the uploaded file cannot be read ({exc.__class__.__name__})")
    with raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        return import_run(job=job, stream=stream, budget=budget)


def import_resume(*, job: ImportJob, actor=None) -> ImportJob:
    """Go on with a failed or stalled job from the row it stopped at (the staff page)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportJob.Status.DONE:
            raise Conflict(_("This import is finished."))
        if not job.file:
            raise DomainError(_("This import has no stored file to go on with."))
        job.status, job.error, job.finished_at = ImportJob.Status.QUEUED, "", None
        job.save(update_fields=["status", "error", "finished_at"])
        transaction.on_commit(lambda: async_task(run_import, job.pk))
    return job


def imports_sweep(*, now=None) -> int:
    """Scheduled: a running job whose last chunk is older than IMPORT_STALL_AFTER is marked
    failed with the reason (its worker stopped or was killed); staff can resume it."""
    now = now or timezone.now()
    stalled = ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, progressed_at__lt=now - import_stall_after()
    )
    count = 0
    for job in stalled:
        _fail(
            job,
            [],
            f"stopped advancing at row {job.processed_rows + 1} (the worker stopped or was "
            "killed); resume it to go on from there",
        )
        count += 1
    return count


def import_stall_after() -> timedelta:
    """Longer than a task may run and be handed out again, so a live task is never failed."""
    return timedelta(seconds=max(600, 2 * ((Conf.TIMEOUT or 120) + (Conf.RETRY or 180))))


def run_import(job_id: int) -> str:
    """The task (queued on upload, and by itself for the rest of a long file after half the task
    time limit, so no import dies at the limit)."""
    budget = None if Conf.SYNC else (Conf.TIMEOUT or 120) / 2
    return import_run_stored(job_id=job_id, budget=budget).status
