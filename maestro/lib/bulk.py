"""bulk_create's outcome for a batch of a plain model, at a cost per batch rather than per value.

Django's bulk_create assembles its INSERT value by value: a placeholder, a pre_save and a
preparation per field per row, then the statement from those pieces (on PostgreSQL, arrays
that psycopg quotes element by element). For the decision intake's batches that cost more than
the intake's own checks and routing together. bulk_insert prepares only the values that need
it (text, ids and booleans go as they are; Field.get_db_prep_save for the rest, as Django
does), and writes them:

- on PostgreSQL with COPY … FROM STDIN in binary (psycopg writes the rows in C), with the ids
  taken from the table's sequence first (one query), since COPY returns nothing;
- elsewhere as multi-row INSERT … VALUES … RETURNING, in batches of the size Django picks.

Anything it cannot do the same way (inherited models, objects with an id, fields with their own
placeholder, types psycopg does not know) goes to bulk_create.
"""

import functools
import time
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

_NOW, _PRE_SAVE, _TEXT, _ID, _BOOL, _PREPARE = range(6)
# A lone row goes through INSERT on PostgreSQL too: COPY needs a query for the ids first.
COPY_FROM_ROWS = 2


def _how_to_read(field: models.Field) -> int:
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return _NOW
    if type(field).pre_save is not models.Field.pre_save:
        return _PRE_SAVE
    # Values Field.get_db_prep_save hands back unchanged, on every backend.
    if type(field) in (models.CharField, models.TextField):
        return _TEXT
    if isinstance(field, models.ForeignKey) and type(field.target_field) in (
        models.AutoField,
        models.BigAutoField,
    ):
        return _ID
    if type(field) is models.BooleanField:
        return _BOOL
    return _PREPARE


def _rows(objs: list, fields: list[models.Field], connection: Any) -> list[list[Any]]:
    now = timezone.now()  # one moment for the batch's auto_now(_add) fields
    reads = []
    for field in fields:
        how = _how_to_read(field)
        # Django's own fields store None as NULL without preparing it.
        none_as_is = type(field).__module__.startswith("django.db.models.fields")
        now_prepared = field.get_db_prep_save(now, connection) if how == _NOW else None
        reads.append((field, field.attname, how, none_as_is, now_prepared))
    rows = []
    for obj in objs:
        # As bulk_create: a related object given unsaved is refused, its id copied otherwise.
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = []
        for field, attname, how, none_as_is, now_prepared in reads:
            if how == _NOW:  # as DateTimeField.pre_save on an insert: now, whatever was set
                setattr(obj, attname, now)
                row.append(now_prepared)
                continue
            if how == _PRE_SAVE:
                value = field.pre_save(obj, True)
            else:
                value = getattr(obj, attname)
                if (
                    (value is None and none_as_is)
                    or (how == _TEXT and type(value) is str)
                    or (how == _ID and type(value) is int)
                    or (how == _BOOL and type(value) is bool)
                ):
                    row.append(value)
                    continue
            row.append(field.get_db_prep_save(value, connection))
        rows.append(row)
    return rows


def _copy_types(fields: list[models.Field], connection: Any) -> list[str] | None:
    """PostgreSQL type names for COPY in binary, or None when one is not a type psycopg knows
    by name (then the rows go through INSERT)."""
    from psycopg import postgres

    names = []
    for field in fields:
        db_type = field.db_type(connection)
        name = db_type.split("(")[0].strip() if db_type else ""
        if not name or postgres.types.get(name) is None:
            return None
        names.append(name)
    return names


def _run_as_query(connection: Any, cursor: Any, sql: str, run: Callable[[], Any]) -> Any:
    """Run a statement the cursor's execute() does not carry (COPY) as if it did: through the
    connection's execute wrappers, and in its query log when that is on (tests count it)."""

    def executor(sql: str, params: Any, many: bool, context: dict) -> Any:
        with connection.wrap_database_errors:
            return run()

    call = executor
    for wrapper in reversed(connection.execute_wrappers):
        call = functools.partial(wrapper, call)
    start = time.monotonic()
    try:
        return call(sql, None, False, {"connection": connection, "cursor": cursor})
    finally:
        if connection.queries_logged:
            connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - start:.3f}"})


def _copy(opts: Any, fields: list, types: list[str], rows: list, connection: Any) -> list[int]:
    quote = connection.ops.quote_name
    pk = opts.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [quote(opts.db_table), pk.column, len(rows)],
        )
        ids = sorted(r[0] for r in cursor.fetchall())
        columns = ", ".join(quote(c) for c in [pk.column, *(f.column for f in fields)])
        sql = f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN (FORMAT BINARY)"

        def run() -> None:
            with cursor.cursor.copy(sql) as copy:
                copy.set_types([pk.db_type(connection).split("(")[0], *types])
                for pk_value, row in zip(ids, rows, strict=True):
                    copy.write_row([pk_value, *row])

        _run_as_query(connection, cursor, sql, run)
    return ids


def _insert(opts: Any, fields: list, rows: list, connection: Any) -> list[int]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    returning, returning_params = connection.ops.returning_columns([opts.pk])
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            cursor.execute(
                f"INSERT INTO {quote(opts.db_table)} ({columns}) "
                f"VALUES {', '.join([one] * len(batch))} {returning}",
                [v for row in batch for v in row] + list(returning_params),
            )
            ids.extend(r[0] for r in connection.ops.fetch_returned_rows(cursor, returning_params))
    return ids


def bulk_insert[M: models.Model](objs: list[M], *, using: str = DEFAULT_DB_ALIAS) -> list[M]:
    """Insert new objects of one model as `Model.objects.bulk_create(objs)` does, and leave
    them as it does: ids set in order, `_state` saved, auto_now(_add) fields filled (with one
    moment for the whole batch). All of the batch or nothing (one transaction, or the caller's)."""
    if not objs:
        return objs
    model = type(objs[0])
    opts = model._meta
    connection = connections[using]
    fields = [f for f in opts.concrete_fields if not f.primary_key and not f.generated]
    postgresql = connection.vendor == "postgresql"
    if (
        opts.parents
        or not isinstance(opts.pk, models.AutoField | models.BigAutoField)
        or not (postgresql or connection.features.can_return_rows_from_bulk_insert)
        or any(hasattr(f, "get_placeholder") for f in fields)
        or any(type(obj) is not model or obj.pk is not None for obj in objs)
    ):
        return model._default_manager.using(using).bulk_create(objs)
    copy = postgresql and len(objs) >= COPY_FROM_ROWS
    types = _copy_types(fields, connection) if copy else None
    rows = _rows(objs, fields, connection)
    with transaction.atomic(using=using, savepoint=False):
        if types is not None:
            ids = _copy(opts, fields, types, rows, connection)
        else:
            ids = _insert(opts, fields, rows, connection)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    return objs
