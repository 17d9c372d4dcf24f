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

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

# Rows per statement when their ids are read back (one multi-row VALUES each): within SQLite's
# limit on parameters for a model of up to 160 columns.
RETURNING_ROWS = 200


class Later:
    """A value known only once another row of the same batch is written: that row's id (a
    record's subject written in the same transaction, say), or a value made with it
    (`Later.filled`)."""

    __slots__ = ("make", "row")
    # What stands for the id in a value made ahead (`filled`); no text of ours contains it.
    ID = "\x00id\x00"

    def __init__(self, row: models.Model, make: Callable[[int], object] | None = None):
        self.row, self.make = row, make

    @classmethod
    def filled(cls, row: models.Model, made: object) -> Later:
        """`made` (a text, or data of lists and dicts) with Later.ID standing for the row's id,
        as it will be once the row is written: a text gets the id's digits, data gets the id
        where a value is Later.ID alone. What is expensive to make (a sentence in English, its
        stored form) is made before the transaction, and only filled in inside it."""
        return cls(row, lambda pk: _fill(made, pk))

    def value(self) -> object:
        return self.row.pk if self.make is None else self.make(self.row.pk)


def _fill(made: object, pk: int) -> object:
    if made == Later.ID:
        return pk
    if isinstance(made, str):
        return made.replace(Later.ID, str(pk))
    if isinstance(made, dict):
        return {key: _fill(value, pk) for key, value in made.items()}
    if isinstance(made, list | tuple):
        return [_fill(value, pk) for value in made]
    return made


# Values every supported driver takes as they are, for the fields whose preparation leaves such
# a value unchanged (Django's own classes, exactly: a subclass may prepare differently). A value
# of another type (a lazy text, an enum member, a number for a text) is prepared as Django does.
_NONE = type(None)
_TEXT = frozenset({str, _NONE})
_NUMBER = frozenset({int, _NONE})
_AS_IS = {
    models.CharField: _TEXT,
    models.TextField: _TEXT,
    models.EmailField: _TEXT,
    models.SlugField: _TEXT,
    models.IntegerField: _NUMBER,
    models.SmallIntegerField: _NUMBER,
    models.BigIntegerField: _NUMBER,
    models.PositiveIntegerField: _NUMBER,
    models.PositiveSmallIntegerField: _NUMBER,
    models.PositiveBigIntegerField: _NUMBER,
    models.AutoField: _NUMBER,
    models.BigAutoField: _NUMBER,
    models.BooleanField: frozenset({bool, _NONE}),
}


def _as_is(field: models.Field) -> frozenset:
    """The types of value this field writes as they are."""
    if type(field) in (models.ForeignKey, models.OneToOneField):
        return _AS_IS.get(type(field.target_field), frozenset())
    return _AS_IS.get(type(field), frozenset())


class Insert:
    """Rows of one model made into an INSERT's parameters ahead of writing (`rows_insert`), so a
    batch does that work before its transaction and only runs the statement inside it (on SQLite
    the transaction holds the one write lock from its start). A foreign key to a row not yet
    written (its instance given, without an id) and a `Later` value are filled in when it runs.
    Fields are filled as bulk_create fills them (defaults at construction, `auto_now` and
    `auto_now_add` when prepared, one moment for all); nothing is validated and no signal is
    sent, as with bulk_create."""

    def __init__(self, rows: Sequence[models.Model], *, returning: bool = False):
        self.rows = list(rows)
        self.returning = returning
        self.params: list[list] = []
        # (row index, column index, what goes there once the row it names is written)
        self.late: list[tuple[int, int, Later]] = []
        if not self.rows:
            return
        meta = type(self.rows[0])._meta
        self.meta = meta
        self.fields = [field for field in meta.concrete_fields if field is not meta.auto_field]
        stamped = {
            field: field.pre_save(self.rows[0], True)
            for field in self.fields
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        }
        prepared: dict[tuple[int, datetime], object] = {}  # a batch's rows share their moments
        relations = [(n, field) for n, field in enumerate(self.fields) if field.is_relation]
        database = connections[DEFAULT_DB_ALIAS]  # not the proxy: one look-up, not one a value
        plain = [_as_is(field) for field in self.fields]
        for index, row in enumerate(self.rows):
            values = []
            for field, as_is in zip(self.fields, plain, strict=True):
                if field in stamped:
                    raw = stamped[field]
                    setattr(row, field.attname, raw)
                else:
                    raw = field.pre_save(row, True)
                if type(raw) in as_is:
                    values.append(raw)
                elif isinstance(raw, Later):
                    self.late.append((index, len(values), raw))
                    values.append(None)
                elif isinstance(raw, datetime):
                    key = (id(field), raw)
                    if key not in prepared:
                        prepared[key] = field.get_db_prep_save(raw, database)
                    values.append(prepared[key])
                else:
                    values.append(field.get_db_prep_save(raw, database))
            for n, field in relations:
                other = field.get_cached_value(row, None) if values[n] is None else None
                if other is None:
                    continue
                if other.pk is None:  # written in the batch, before this one
                    self.late.append((index, n, Later(other)))
                else:  # written since it was linked
                    values[n] = other.pk
                    setattr(row, field.attname, other.pk)
            self.params.append(values)

    def run(self, rows: Iterable[models.Model] | None = None) -> None:
        """Write the rows (or only those of them given): one prepared INSERT run for every row,
        or with `returning` a multi-row INSERT that reads the new ids back onto the rows."""
        if not self.rows:
            return
        params = self.params
        database = connections[DEFAULT_DB_ALIAS]
        for index, column, later in self.late:
            if later.row.pk is None:
                continue  # not written: nor is this row
            raw = later.value()
            field = self.fields[column]
            params[index][column] = (
                raw if later.make is None else field.get_db_prep_save(raw, database)
            )
            setattr(self.rows[index], field.attname, raw)
        chosen = range(len(self.rows))
        if rows is not None:
            wanted = {id(row) for row in rows}
            chosen = [n for n, row in enumerate(self.rows) if id(row) in wanted]
            if not chosen:
                return
        quote = connection.ops.quote_name
        # Names from the model's own metadata, quoted; every value is a parameter.
        head = (
            f"INSERT INTO {quote(self.meta.db_table)}"  # noqa: S608
            f" ({', '.join(quote(f.column) for f in self.fields)}) VALUES "
        )
        one = f"({', '.join(['%s'] * len(self.fields))})"
        with connection.cursor() as cursor:
            if not self.returning:
                cursor.executemany(head + one, [params[n] for n in chosen])
                return
            returning, _params = connection.ops.return_insert_columns([self.meta.pk])
            for start in range(0, len(chosen), RETURNING_ROWS):
                part = chosen[start : start + RETURNING_ROWS]
                cursor.execute(
                    f"{head}{', '.join([one] * len(part))} {returning}",
                    [value for n in part for value in params[n]],
                )
                for n, (pk,) in zip(part, cursor.fetchall(), strict=True):
                    row = self.rows[n]
                    row.pk = pk
                    row._state.adding, row._state.db = False, connection.alias


def rows_insert(rows: Sequence[models.Model], *, returning: bool = False) -> Insert:
    """The INSERT of these rows, its parameters made now, to `run()` later."""
    return Insert(rows, returning=returning)


def insert_rows(rows: Sequence[models.Model]) -> None:
    """Insert instances of one model whose ids the caller does not need: ids the database
    numbers stay unset on the instances (a primary key that is a field of the row, such as a
    one-to-one link, is written as given). A refused row (a unique index, a foreign key) fails
    the whole run, which the caller's transaction rolls back."""
    Insert(rows).run()
