"""CSV imports: good rows kept, every bad row reported with its line and reason, no duplicates."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.models import Customer
from surveys.models import Event, ImportJob, Invitation, Response
from surveys.services import imports
from surveys.services.imports import (
    CHUNK_ROWS,
    import_create,
    import_run,
    import_run_stored,
    import_stall_after,
    imports_sweep,
    response_template_header,
)
from surveys.tasks import run_import
from tests.factories import TriggerRuleFactory, delivery_survey

pytestmark = pytest.mark.django_db

RESPONSES = """submitted_at,email,phone,name,q1,q2,q3
2026-11-01T10:00:00+00:00,ann@example.com,,Ann Lee,9,Yes,Lovely
2026-11-01,ANN@example.com,,,3,"No, it was late",Late again
2026-11-02,,,,,Yes,no score given
2026-11-02,bob@example.com,,,11,,
not a date,carl@example.com,,,5,,
2026-11-03,,020 7946 0958,,7,Maybe,
2026-11-03,dina@example.com,,,8,,,extra cell
2026-11-04,,,,10,,anonymous kiosk answer
"""


def run(job, text):
    return import_run(job=job, stream=io.StringIO(text))


@pytest.fixture
def survey():
    return delivery_survey()


def test_good_rows_are_kept_and_each_bad_row_has_its_line_and_reason(survey):
    job = run(
        ImportJob.objects.create(kind="responses", survey=survey, filename="shop.csv"), RESPONSES
    )
    assert job.status == "done"
    assert (job.processed_rows, job.accepted_rows, job.rejected_rows) == (8, 3, 5)
    reasons = {r.row: r.reason for r in job.rejections.all()}
    assert reasons == {
        4: "q1: Please answer this question.",
        5: "q1: Choose a number from 0 to 10.",
        6: "submitted_at 'not a date' is not a date (use 2026-11-23 or 2026-11-23T14:05:00+00:00)",
        7: "q2: Choose one of the options.",
        8: "the row has more cells than the header",
    }
    ann = Customer.objects.get(identities__normalized="ann@example.com")
    assert ann.responses.count() == 2
    assert Response.objects.filter(customer__isnull=True).count() == 1
    assert Response.objects.get(customer=ann, answers__number=3).channel == "import"
    assert ann.timeline.filter(kind="response.submitted").count() == 2


def test_running_the_same_job_again_adds_nothing(survey):
    job = run(
        ImportJob.objects.create(kind="responses", survey=survey, filename="shop.csv"), RESPONSES
    )
    again = run(job, RESPONSES)
    assert (again.accepted_rows, again.duplicate_rows, again.rejected_rows) == (0, 3, 5)
    assert Response.objects.count() == 3 and again.rejections.count() == 5


def test_same_row_in_two_files_is_recognised_by_its_key(survey):
    text = "idempotency_key,email,q1\ncc-1,ann@example.com,9\n"
    run(ImportJob.objects.create(kind="responses", survey=survey, filename="a.csv"), text)
    second = run(ImportJob.objects.create(kind="responses", survey=survey, filename="b.csv"), text)
    assert second.duplicate_rows == 1 and Response.objects.count() == 1


def test_a_file_without_a_header_fails_with_a_reason(survey):
    job = run(
        ImportJob.objects.create(kind="responses", survey=survey, filename="x.csv"),
        "9,10,11\n1,2,3\n",
    )
    assert job.status == "failed" and "header" in job.error
    assert not Response.objects.exists()


def test_huge_cell_is_rejected_and_the_rest_goes_on(survey):
    text = f"email,q1,q3\na@example.com,5,{'x' * 30_000}\nb@example.com,6,fine\n"
    job = run(ImportJob.objects.create(kind="responses", survey=survey, filename="x.csv"), text)
    assert job.accepted_rows == 1 and job.rejected_rows == 1
    assert "unreadable row" in job.rejections.get().reason


def test_events_import_schedules_invitations():
    TriggerRuleFactory(
        survey=delivery_survey(), event_type="order.delivered", delay=timedelta(days=1)
    )
    day = (timezone.now() - timedelta(hours=3)).isoformat()
    text = (
        "event_type,occurred_at,email,order,store\n"
        f"order.delivered,{day},ann@example.com,A-1,Mill Lane\n"
        f"order.shipped,{day},bob@example.com,A-2,\n"
        f"order.delivered,{day},,A-3,\n"
        f"Not A Type,{day},carl@example.com,A-4,\n"
    )
    job = run(ImportJob.objects.create(kind="events", filename="orders.csv"), text)
    assert (job.accepted_rows, job.rejected_rows) == (2, 2)
    assert Event.objects.get(data__order="A-1").data == {"order": "A-1", "store": "Mill Lane"}
    assert Invitation.objects.count() == 1
    reasons = sorted(r.reason for r in job.rejections.all())
    assert reasons[0].startswith("An event type is lowercase") and reasons[1].startswith(
        "No usable identity"
    )


def test_command_prints_progress_and_rejections(survey, tmp_path, capsys):
    path = tmp_path / "shop.csv"
    path.write_text(RESPONSES, encoding="utf-8-sig")
    call_command("import_csv", "responses", str(path), survey=survey.pk)
    out = capsys.readouterr().out
    assert "Columns: submitted_at,channel" in out
    assert "line 5: q1: Choose a number from 0 to 10." in out
    assert "3 imported, 0 already there, 5 rejected of 8 rows" in out


def test_command_refuses_bad_arguments(tmp_path):
    with pytest.raises(CommandError, match="live survey"):
        call_command("import_csv", "responses", __file__)
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_csv", "events", str(tmp_path / "missing.csv"))


def test_command_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        "event_type,occurred_at,email\norder.delivered,2026-11-01,caf\xe9@example.com\n".encode(
            "latin-1"
        )
    )
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_csv", "events", str(path))


def test_upload_page_runs_the_import_and_shows_the_rejections(
    manager_client, survey, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("shop.csv", RESPONSES.encode(), content_type="text/csv")
    response = manager_client.post(
        reverse("surveys:imports"), {"kind": "responses", "survey": survey.pk, "file": upload}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.total_rows == 8
    # the test settings run tasks synchronously, but only after commit: run it as the worker would
    from surveys.tasks import run_import

    run_import(job.pk)
    page = manager_client.get(job.get_absolute_url())
    html = page.content.decode()
    assert "<strong>3</strong> imported" in html and "Choose a number from 0 to 10." in html


def test_agents_cannot_import(agent_client, survey):
    assert agent_client.get(reverse("surveys:imports")).status_code == 403


def test_template_header_names_the_questions(manager_client, survey):
    assert response_template_header(survey)[-3:] == ["q1", "q2", "q3"]
    csv_file = manager_client.get(reverse("surveys:import-template", args=[survey.pk]))
    assert csv_file.content.decode().strip().endswith("q1,q2,q3")


def many_rows(count: int) -> str:
    lines = ["email,q1,q3"] + [f"c{n}@example.com,{n % 11},row {n}" for n in range(count)]
    return "\n".join(lines) + "\n"


@pytest.mark.django_db(transaction=True)  # chunks commit for real, as in the worker
def test_rows_are_triaged_by_one_task_per_chunk(survey, take_queued):
    rows = CHUNK_ROWS * 2 + 5
    job = run(
        ImportJob.objects.create(kind="responses", survey=survey, filename="x.csv"), many_rows(rows)
    )
    assert job.accepted_rows == rows
    batches = [task["args"][0] for task in take_queued()]
    assert [len(items) for items in batches] == [CHUNK_ROWS, CHUNK_ROWS, 5]
    queued = sorted(args[0] for items in batches for _func, args in items)
    assert queued == sorted(Response.objects.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_imported_rows_are_triaged(survey):
    job = run(
        ImportJob.objects.create(kind="responses", survey=survey, filename="x.csv"), many_rows(120)
    )
    assert job.accepted_rows == 120
    assert not Response.objects.filter(triaged_at__isnull=True).exists()


def test_rows_before_a_bad_byte_are_kept_and_counted(survey):
    def text_then_a_bad_byte():
        yield from many_rows(CHUNK_ROWS + 10).splitlines(keepends=True)
        raise UnicodeDecodeError("utf-8", b"caf\xe9", 3, 4, "invalid continuation byte")

    job = ImportJob.objects.create(kind="responses", survey=survey, filename="broken.csv")
    job = import_run(job=job, stream=text_then_a_bad_byte())
    assert job.status == "failed" and "not UTF-8" in job.error
    assert job.accepted_rows == job.processed_rows == Response.objects.count() == CHUNK_ROWS + 10


# --- No bad record stops an import; every import ends (issue 15, items 9 and 10) ---------------


@pytest.mark.parametrize("bad", ["2026-02-30T10:00:00Z", "2026-13-45", "2026-02-29"])
def test_an_impossible_date_is_a_rejected_row_and_the_rest_go_on(survey, bad):
    text = "submitted_at,email,q1\n2026-11-01,ann@example.com,9\n" + f"{bad},bo@example.com,3\n"
    text += "".join(f"2026-11-02,c{n}@example.com,7\n" for n in range(150))
    job = run(ImportJob.objects.create(kind="responses", survey=survey, filename="x.csv"), text)
    assert job.status == "done"
    assert (job.processed_rows, job.accepted_rows, job.rejected_rows) == (152, 151, 1)
    [rejection] = job.rejections.all()
    assert rejection.row == 3 and "not a date on the calendar" in rejection.reason


def test_an_impossible_event_date_is_rejected_too():
    text = "event_type,occurred_at,email\norder.delivered,2026-13-45,ann@example.com\n"
    job = run(ImportJob.objects.create(kind="events", filename="orders.csv"), text)
    assert job.status == "done" and job.rejected_rows == 1


def test_any_failure_of_one_row_is_that_rows_rejection(survey, monkeypatch):
    real = imports._response_row

    def fragile(job, questions, line, row):
        if line == 4:
            raise RuntimeError("the disk hiccupped")
        return real(job, questions, line, row)

    monkeypatch.setattr(imports, "_response_row", fragile)
    job = run(
        ImportJob.objects.create(kind="responses", survey=survey, filename="x.csv"),
        many_rows(10),
    )
    assert job.status == "done" and (job.accepted_rows, job.rejected_rows) == (9, 1)
    assert "RuntimeError: the disk hiccupped" in job.rejections.get(row=4).reason


def stored_job(survey, settings, tmp_path, rows: int) -> ImportJob:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("big.csv", many_rows(rows).encode(), content_type="text/csv")
    return import_create(kind="responses", uploaded=upload, survey=survey)


def test_a_long_import_goes_on_in_follow_on_tasks_from_where_it_stopped(
    survey, settings, tmp_path, take_queued
):
    job = stored_job(survey, settings, tmp_path, 250)
    take_queued()  # the upload's own task: run here by hand
    job = import_run_stored(job_id=job.pk, budget=0)
    assert job.status == "running" and job.processed_rows == CHUNK_ROWS
    follow_on = [t for t in take_queued() if t["func"] is run_import]
    assert [t["args"] for t in follow_on] == [(job.pk,)]
    run_import(job.pk)  # the follow-on task, as a worker runs it
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.processed_rows, job.accepted_rows, job.duplicate_rows) == (250, 250, 0)
    assert Response.objects.count() == 250


def test_a_stalled_import_is_marked_failed_and_resumes_from_its_row(
    manager_client, survey, settings, tmp_path, django_capture_on_commit_callbacks
):
    job = stored_job(survey, settings, tmp_path, 150)
    # A worker stored the first chunk and was killed: its counters were committed with the rows.
    run(job, many_rows(CHUNK_ROWS))
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", progressed_at=timezone.now() - import_stall_after() * 2
    )
    assert imports_sweep() == 1
    job.refresh_from_db()
    assert job.status == "failed" and "stopped advancing at row 101" in job.error
    page = manager_client.get(job.get_absolute_url()).content.decode()
    assert "Resume from row 101" in page
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(job.get_absolute_url())
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.processed_rows, job.accepted_rows, job.duplicate_rows) == (150, 150, 0)
    assert imports_sweep() == 0
