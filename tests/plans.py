"""SQLite's query plans, for tests that pin a statement to its index."""

import pytest
from django.db import connection

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL plans by its own statistics"
)


def query_plan(sql: str, params=()) -> str:
    """SQLite's plan for a statement: its steps' descriptions joined by " | "."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())
