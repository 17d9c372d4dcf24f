"""`manage.py triage`: JSON lines in, JSON lines out, the live engine, no database writes."""

import io
import json
import sys

import pytest
from django.core.management import call_command

from surveys.models import Complaint, Response
from surveys.triage.engine import triage


def run(monkeypatch, lines: str) -> list[dict]:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    monkeypatch.setattr(sys, "stdout", out)
    call_command("triage")
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.django_db
def test_contract_and_same_result_as_the_live_engine(monkeypatch, django_assert_max_num_queries):
    lines = "\n".join(
        json.dumps(item)
        for item in [
            {"id": "a1", "text": "Nice staff but the order was wrong"},
            {"id": 2, "text": "Thanks, lovely", "score": 3, "scale": "nps"},
            {"id": 3, "text": "Please call me", "kind": "complaint"},
            {"id": 4},
        ]
    )
    with django_assert_max_num_queries(2):  # reading the topic vocabulary; nothing is written
        rows = run(monkeypatch, lines + "\n")
    assert [r["id"] for r in rows] == ["a1", 2, 3, 4]
    first = rows[0]
    assert set(first) == {"id", "sentiment", "polarity", "severity", "topics", "reasons"}
    expected = triage("Nice staff but the order was wrong").as_dict()
    assert {k: first[k] for k in expected} == expected
    assert rows[1]["sentiment"] == "negative"
    assert rows[2]["severity"] >= 2 and rows[2]["sentiment"] != "positive"
    assert rows[3]["sentiment"] == "neutral"
    assert not Response.objects.exists() and not Complaint.objects.exists()


@pytest.mark.django_db
def test_malformed_lines_get_an_error_line_and_the_rest_go_on(monkeypatch):
    lines = (
        '{"id": 1, "text": "late"}\n'
        "this is not json\n"
        '["a list"]\n'
        '{"id": 4, "text": "ok", "score": 11, "scale": "nps"}\n'
        '{"id": 5, "text": "ok", "score": 3}\n'
        '{"id": 6, "text": 42}\n'
        '{"id": 7, "text": "ok", "kind": "tweet"}\n'
        "\n"
        '{"id": 9, "text": "Great, thank you"}\n'
    )
    rows = run(monkeypatch, lines)
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 9]
    errors = {r["id"]: r["error"] for r in rows if "error" in r}
    assert errors[2].startswith("line 2 is not JSON")
    assert errors[3] == "line 3 is not a JSON object"
    assert errors[4] == "a nps score is from 0 to 10"
    assert errors[5] == "score and scale go together"
    assert errors[6] == "text must be a string"
    assert errors[7] == "kind must be one of response, complaint"
    assert rows[-1]["sentiment"] == "positive"


def database_url(connection) -> str:
    """The address of the database this test runs on, for a process of its own."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
        f"{settings['PORT']}/{settings['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_the_fast_path_reads_the_stored_topics_without_setting_up_django(tmp_path):
    """`manage.py triage` as a process: straight to the filter (no app set-up), with the topics
    as managers keep them, read-only from the SQLite file."""
    import os
    import subprocess
    from pathlib import Path

    from django.db import connection

    from surveys.models import Topic

    Topic.objects.create(name="lockers", keywords="parcel locker, locker code")
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "feedback_app.settings",
        "DATABASE_URL": database_url(connection),
    }
    lines = '{"id": 1, "text": "The locker code did not work"}\nnot json\n'
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "-X", "importtime", str(root / "manage.py"), "triage"],
        input=lines,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows[0]["topics"] == ["lockers"] and rows[1] == {
        "id": 2,
        "error": "line 2 is not JSON: Expecting value",
    }
    assert "django.contrib.admin" not in done.stderr  # the apps were not set up
    if connection.vendor == "sqlite":  # read with the standard library's driver
        imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
        # Nor Django's settings machinery, translation or database layer, nor the asyncio they
        # bring: start-up within a bare TextBlob script's (benchmarks/triage_cli.py).
        assert not imported & {
            "django.db.models",
            "django.db",
            "django.conf",
            "django.utils.translation",
            "asyncio",
        }
    missing = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}"}
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(root / "manage.py"), "triage"],
        input='{"id": 1, "text": "The parcel never arrived"}\n',
        capture_output=True,
        text=True,
        env=missing,
        check=True,
    )
    assert json.loads(done.stdout)["topics"] == ["delivery"]  # no database: the built-in topics
    assert not (tmp_path / "none.sqlite3").exists()  # and none was created
