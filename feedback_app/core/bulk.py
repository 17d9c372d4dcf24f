"""Rows many at once, for the paths that write in batches (storing answers, triage, opening
tickets): one prepared INSERT run for every row.

Django's bulk_create builds one statement with a placeholder group per row and prepares every
value through the SQL compiler, then asks the database for the new ids; for rows nobody reads
back (answers, links, log and timeline entries) most of that is spent for nothing. Measured on
SQLite: 70 µs a timeline entry through bulk_create, 45 through `insert_rows`, 30 of which are
the values' preparation, and half of that was turning the same moment into text again for
every row (`benchmarks/README.md`, "Rows nobody reads back").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection, models


def insert_rows(rows: Sequence[models.Model]) -> None:
    """Insert instances of one model whose ids the caller does not need: ids the database
    numbers stay unset on the instances (a primary key that is a field of the row, such as a
    one-to-one link, is written as given). Fields are filled as bulk_create fills them
    (defaults at construction, `auto_now`/`auto_now_add` now); nothing is validated and no
    signal is sent, as with bulk_create. A refused row (a unique index, a foreign key) fails
    the whole run, which the caller's transaction rolls back."""
    if not rows:
        return
    model = type(rows[0])
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.auto_field]
    quote = connection.ops.quote_name
    # Names from the model's own metadata, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    # One moment for the whole run's auto_now and auto_now_add fields, as one statement has.
    stamped = {
        field: field.pre_save(rows[0], True)
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }
    prepared: dict[tuple[int, datetime], object] = {}  # a batch's rows share their moments

    def value(field, row):
        if field in stamped:
            raw = stamped[field]
            setattr(row, field.attname, raw)
        else:
            raw = field.pre_save(row, True)
        if isinstance(raw, datetime):
            key = (id(field), raw)
            if key not in prepared:
                prepared[key] = field.get_db_prep_save(raw, connection)
            return prepared[key]
        return field.get_db_prep_save(raw, connection)

    params = [[value(field, row) for field in fields] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
