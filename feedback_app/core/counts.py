"""Several counts read in one statement, each from the index its own filter can use."""

from __future__ import annotations

from django.db import connections
from django.db.models import QuerySet


def counts_at_once(**querysets: QuerySet) -> dict[str, int]:
    """Each queryset's number of rows, by name, in one round trip:
    `SELECT (SELECT COUNT(*) FROM (...)), (SELECT COUNT(*) FROM (...)), ...`.

    One query with a filtered count per figure (`aggregate(a=Count(filter=...), ...)`) reads
    every row the figures have in common, however few each one counts; here each figure is a
    subquery of its own, which the database answers from the index that serves its filter.
    All the querysets must be on one database."""
    if not querysets:
        return {}
    aliases = {queryset.db for queryset in querysets.values()}
    if len(aliases) != 1:
        raise ValueError("counts_at_once needs querysets on one database")
    alias = aliases.pop()
    parts, params = [], []
    for number, queryset in enumerate(querysets.values()):
        query = queryset.order_by().values("pk").query
        sql, part_params = query.get_compiler(using=alias).as_sql()
        # Django's own compiled SQL; the values stay parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{number})")  # noqa: S608
        params.extend(part_params)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))
