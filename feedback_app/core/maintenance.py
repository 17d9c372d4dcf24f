"""Care of the database itself, run on a schedule."""

from __future__ import annotations

from django.db import connection


def planner_statistics_refresh() -> list[str]:
    """Scheduled daily (and run once by the migration that added the queue's expression index):
    refresh the statistics SQLite's query planner chooses indexes by. Without them SQLite
    guesses that a filter on an indexed column is selective: it reads every open ticket
    through the state index and sorts them (60 ms for the queue's first page at 100,000
    tickets) rather than reading the first 50 in order from the index made for it (under
    1 ms). A full ANALYZE, not a sampled one (`analysis_limit`): the sampled counts made the
    state index look ten times as selective as it is, and the planner chose the sort again. It
    took 0.6 s on a 380 MB database (100,000 tickets and responses), during which writers
    wait (SQLite's busy timeout). PostgreSQL keeps its own statistics (autovacuum's ANALYZE):
    nothing to do there. Returns the tables that have statistics now."""
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1 ORDER BY tbl")
        return [row[0] for row in cursor.fetchall()]
