"""The triage filter behind `manage.py triage`: JSON lines in, JSON lines out, with the live
pipeline's engine; nothing is stored.

Each input line: {"id": ..., "text": "...", "score": 6, "scale": "nps", "kind": "complaint"}
(score, scale and kind optional). Each output line:
{"id": ..., "sentiment": ..., "polarity": ..., "severity": 1-4, "topics": [...], "reasons": [...]}
A line that cannot be read gives {"id": <id or line number>, "error": "..."} and the rest go on.
Lines are read and written one at a time, so any number of them fit in constant memory.

A filter in a pipe must start as fast as a bare script, so `manage.py triage` (without options)
comes here before Django sets up its apps (`run_light`): the topics are read with one SQL query
through the configured database connection, and nothing else of the project is imported. The
management command (`surveys/management/commands/triage.py`) runs the same filter inside a
set-up Django, for `call_command` and for options such as --settings.
"""

from __future__ import annotations

import json
import sys
from contextlib import closing
from typing import TextIO

from surveys.triage.engine import Vocabulary, default_vocabulary, triage
from surveys.triage.lexicon import keyword_lines
from surveys.triage.scores import check_score

# Where the Topic model keeps its rows (surveys.models.base.Topic, default table name).
TOPIC_TABLE = "surveys_topic"


def triage_lines(lines: TextIO, out: TextIO, vocabulary: Vocabulary) -> None:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        out.write(json.dumps(one(line, number, vocabulary), ensure_ascii=False) + "\n")
        if number % 1000 == 0:
            out.flush()
    out.flush()


def one(line: str, number: int, vocabulary: Vocabulary) -> dict:
    try:
        item = json.loads(line)
    except ValueError as exc:
        return {"id": number, "error": f"line {number} is not JSON: {exc.msg}"}
    if not isinstance(item, dict):
        return {"id": number, "error": f"line {number} is not a JSON object"}
    ident = item.get("id", number)
    text, score, scale, kind = (
        item.get("text", ""),
        item.get("score"),
        item.get("scale"),
        item.get("kind", "response"),
    )
    if text is None:
        text = ""
    if not isinstance(text, str):
        return {"id": ident, "error": "text must be a string"}
    if (score is None) != (scale is None):
        return {"id": ident, "error": "score and scale go together"}
    try:
        check_score(scale, score)
        result = triage(
            text,
            scores=[(scale, int(score))] if scale else [],
            kind=kind,
            vocabulary=vocabulary,
        )
    except ValueError as exc:
        return {"id": ident, "error": str(exc)}
    return {"id": ident, **result.as_dict()}


def stored_vocabulary() -> Vocabulary:
    """The active topics, read with one query (the app registry need not be ready); the
    built-in topics when there are none or no database yet. SQLite is read with the standard
    library's driver, read-only: Django's connection imports the whole model layer first, a
    third of this command's start-up. The settings module is read as it is (the filter runs
    before Django is set up; `django.conf` would bring asyncio along)."""
    import importlib
    import os

    database = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"]).DATABASES["default"]
    sql = f'SELECT name, keywords FROM "{TOPIC_TABLE}" WHERE active'  # noqa: S608 - a constant
    if database["ENGINE"].endswith("sqlite3"):
        rows = _sqlite_rows(str(database["NAME"]), sql)
    else:
        rows = _connection_rows(sql)
    if not rows:
        return default_vocabulary()
    return Vocabulary({name: keyword_lines(keywords) for name, keywords in rows})


def _sqlite_rows(path: str, sql: str) -> list:
    import sqlite3
    from pathlib import Path

    if not Path(path).exists():
        return []
    try:
        with closing(sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True)) as db:
            return db.execute(sql).fetchall()
    except sqlite3.Error:  # no table yet
        return []


def _connection_rows(sql: str) -> list:
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
        # The driver's own cursor: Django's (in DEBUG) warns of a query before the apps are
        # ready, which is on purpose here and touches no model.
        with closing(connection.connection.cursor()) as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    except (DatabaseError, connection.Database.Error):  # no database or no table yet
        return []
    finally:
        connection.close()


def run_light() -> None:
    """`manage.py triage` without Django's app set-up (settings must be importable)."""
    triage_lines(sys.stdin, sys.stdout, stored_vocabulary())
