"""Bulk inserts at a cost per batch rather than per value.

Django's bulk_create assembles its INSERT value by value: a placeholder, a pre_save and a
preparation per field per row, then the statement from those pieces (on PostgreSQL, arrays
that psycopg quotes element by element). For the decision intake's batches and the training
imports that cost more than everything else they do. Here each column's handling is decided
once per batch; text, ids, booleans and Django's NULLs go as they are, the rest through
Field.get_db_prep_save as Django does; and the rows are written

- on PostgreSQL with COPY … FROM STDIN in binary (psycopg writes the rows in C); when the ids
  are wanted, they are taken from the table's sequence first (one query), since COPY returns
  nothing;
- elsewhere as multi-row INSERT … VALUES (… RETURNING the ids when wanted), in batches of the
  size Django picks.

bulk_insert(objs) leaves objects as bulk_create does; bulk_insert_rows(model, rows) writes plain
dicts, for rows nobody needs as objects (an import's staged rows). Anything they cannot do the
same way (inherited models, objects with an id, fields with their own placeholder, types
psycopg does not know by name) goes the ordinary way.
"""

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

_NOW, _PRE_SAVE, _TEXT, _ID, _BOOL, _PREPARE = range(6)
# A lone row goes through INSERT on PostgreSQL too: COPY needs a query for the ids first.
COPY_FROM_ROWS = 2


@dataclass(frozen=True)
class _Column:
    field: models.Field
    attname: str
    how: int
    none_as_is: bool  # Django's own fields store None as NULL without preparing it
    now: Any  # the batch's moment, prepared, for auto_now(_add) columns


def _how_to_read(field: models.Field) -> int:
    if isinstance(field, models.DateField | models.TimeField):
        # Their pre_save only fills auto_now(_add); otherwise it reads the attribute.
        if not (field.auto_now or field.auto_now_add):
            return _PREPARE
        return _NOW if isinstance(field, models.DateTimeField) else _PRE_SAVE
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


def _columns(fields: list[models.Field], connection: Any, now: Any) -> list[_Column]:
    columns = []
    for field in fields:
        how = _how_to_read(field)
        columns.append(
            _Column(
                field=field,
                attname=field.attname,
                how=how,
                none_as_is=type(field).__module__.startswith("django.db.models.fields"),
                now=field.get_db_prep_save(now, connection) if how == _NOW else None,
            )
        )
    return columns


def _prepared(column: _Column, value: Any, connection: Any) -> Any:
    how = column.how
    if (
        (value is None and column.none_as_is)
        or (how == _TEXT and type(value) is str)
        or (how == _ID and type(value) is int)
        or (how == _BOOL and type(value) is bool)
    ):
        return value
    return column.field.get_db_prep_save(value, connection)


def _object_rows(objs: list, columns: list[_Column], connection: Any, now: Any) -> list[list]:
    rows = []
    for obj in objs:
        # As bulk_create: a related object given unsaved is refused, its id copied otherwise.
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = []
        for column in columns:
            if column.how == _NOW:  # as DateTimeField.pre_save on an insert: now, always
                setattr(obj, column.attname, now)
                row.append(column.now)
            elif column.how == _PRE_SAVE:
                value = column.field.pre_save(obj, True)
                row.append(column.field.get_db_prep_save(value, connection))
            else:
                row.append(_prepared(column, getattr(obj, column.attname), connection))
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


def _copy(
    opts: Any, fields: list, types: list[str], rows: list, connection: Any, *, ids: bool
) -> list[int]:
    quote = connection.ops.quote_name
    pk = opts.pk
    new_ids: list[int] = []
    names = [f.column for f in fields]
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(opts.db_table), pk.column, len(rows)],
            )
            new_ids = sorted(r[0] for r in cursor.fetchall())
            names.insert(0, pk.column)
            types = [pk.db_type(connection).split("(")[0], *types]
        columns = ", ".join(quote(name) for name in names)
        sql = f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN (FORMAT BINARY)"

        def run() -> None:
            with cursor.cursor.copy(sql) as copy:
                copy.set_types(types)
                if ids:
                    for pk_value, row in zip(new_ids, rows, strict=True):
                        copy.write_row([pk_value, *row])
                else:
                    for row in rows:
                        copy.write_row(row)

        _run_as_query(connection, cursor, sql, run)
    return new_ids


def _insert(opts: Any, fields: list, rows: list, connection: Any, *, ids: bool) -> list[int]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    returning, returning_params = connection.ops.returning_columns([opts.pk]) if ids else ("", ())
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            cursor.execute(
                f"INSERT INTO {quote(opts.db_table)} ({columns}) "
                f"VALUES {', '.join([one] * len(batch))} {returning}",
                [v for row in batch for v in row] + list(returning_params),
            )
            if ids:
                new_ids.extend(
                    r[0] for r in connection.ops.fetch_returned_rows(cursor, returning_params)
                )
    return new_ids


def _write(model: Any, fields: list, rows: list, connection: Any, using: str, *, ids: bool):
    types = (
        _copy_types(fields, connection)
        if connection.vendor == "postgresql" and len(rows) >= COPY_FROM_ROWS
        else None
    )
    with transaction.atomic(using=using, savepoint=False):
        if types is not None:
            return _copy(model._meta, fields, types, rows, connection, ids=ids)
        return _insert(model._meta, fields, rows, connection, ids=ids)


def _fields(model: Any) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]


def _ordinary(model: Any, fields: list[models.Field]) -> bool:
    opts = model._meta
    return bool(
        opts.parents
        or not isinstance(opts.pk, models.AutoField | models.BigAutoField)
        or any(hasattr(f, "get_placeholder") for f in fields)
    )


def bulk_insert[M: models.Model](objs: list[M], *, using: str = DEFAULT_DB_ALIAS) -> list[M]:
    """Insert new objects of one model as `Model.objects.bulk_create(objs)` does, and leave
    them as it does: ids set in order, `_state` saved, auto_now(_add) fields filled (with one
    moment for the whole batch). All of the batch or nothing (one transaction, or the caller's)."""
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[using]
    fields = _fields(model)
    if (
        _ordinary(model, fields)
        or not (
            connection.vendor == "postgresql"
            or connection.features.can_return_rows_from_bulk_insert
        )
        or any(type(obj) is not model or obj.pk is not None for obj in objs)
    ):
        return model._default_manager.using(using).bulk_create(objs)
    now = timezone.now()  # one moment for the batch's auto_now(_add) fields
    rows = _object_rows(objs, _columns(fields, connection, now), connection, now)
    ids = _write(model, fields, rows, connection, using, ids=True)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    return objs


def bulk_insert_rows(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Insert plain rows of `model`, each a dict of column values by attribute name
    (`dataset_id`, not `dataset`); a field a row leaves out takes its default, auto_now(_add)
    fields the batch's moment. No objects are made and no ids come back. Returns the count."""
    if not rows:
        return 0
    connection = connections[using]
    fields = _fields(model)
    if _ordinary(model, fields):
        model._default_manager.using(using).bulk_create([model(**row) for row in rows])
        return len(rows)
    now = timezone.now()
    columns = _columns(fields, connection, now)
    defaults = {c.attname: c.field.get_default() for c in columns if c.how != _NOW}
    prepared = []
    for row in rows:
        values = []
        for column in columns:
            if column.how == _NOW:
                values.append(column.now)
                continue
            value = row.get(column.attname, defaults[column.attname])
            if column.how == _PRE_SAVE:
                # A field with its own pre_save reads the object: give it one.
                value = column.field.pre_save(model(**{column.attname: value}), True)
                values.append(column.field.get_db_prep_save(value, connection))
            else:
                values.append(_prepared(column, value, connection))
        prepared.append(values)
    _write(model, fields, prepared, connection, using, ids=False)
    return len(rows)
