"""Staging: imports write in short transactions, and readers see all of a file or none.

A long import in one transaction would hold SQLite's only write lock throughout, and every
other write (logins included) would wait past its busy timeout. So validated rows are staged
(StagedCase, StagedOutput: tables no reader looks at) in one short transaction per batch, and
one short transaction at the end moves them in with a single INSERT … SELECT. Staged rows are
deleted afterwards whatever the outcome; a worker that died leaves some behind,
and import_jobs_recover deletes those once they are old.
"""

import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from maestro.lib.bulk import bulk_insert_rows
from maestro.training import importers

BATCH_SIZE = 2000
Progress = importers.Progress
STAGING_DELETE_BATCH = 5000
STAGING_ABANDONED_AFTER = timedelta(hours=6)
STAGE_RANDOM_BITS = 31


def _new_stage() -> int:
    """A stage number that says when it began: Unix seconds above 31 random bits."""
    return (int(time.time()) << STAGE_RANDOM_BITS) | secrets.randbits(STAGE_RANDOM_BITS)


def _stages_before(moment: datetime) -> int:
    return int(moment.timestamp()) << STAGE_RANDOM_BITS


def staged_import(
    *,
    staged_model: Any,
    model: Any,
    staged_row: Callable[[int, importers.Record], dict[str, Any]],
    before_move: Callable[[int], None] = lambda stage: None,
    after_move: Callable[[], None] = lambda: None,
    on_moved: Callable[[int], None] = lambda rows: None,
    **import_options: Any,
) -> int:
    """`importers.import_file` with its batches staged (`staged_row(stage, cleaned)` gives a
    staged row's values by attribute name), then moved into `model` in one short transaction,
    between `before_move(stage)` (checks, rows the file replaces) and `after_move()`;
    `on_moved(rows)` ends that transaction (the audit trail's entry). Returns the file's row
    count; the stage's rows are deleted whatever the outcome.

    Staged rows are written as plain values (bulk_insert_rows: a binary COPY on PostgreSQL),
    never as model objects: building and saving 100,000 of those cost more than the import's
    parsing, checks and move together."""
    stage = _new_stage()
    staged = 0

    def write(batch: list[importers.Record]) -> None:
        nonlocal staged
        staged += bulk_insert_rows(staged_model, [staged_row(stage, row) for row in batch])

    try:
        rows = importers.import_file(
            write=write, max_rows=settings.MAESTRO_IMPORT_MAX_ROWS, **import_options
        )
        with transaction.atomic():
            before_move(stage)
            _staging_move(staged_model, model, stage=stage, expected=staged)
            after_move()
            on_moved(rows)
        return rows
    finally:
        _staging_discard(staged_model, stage=stage)


def _staging_move(staged_model: Any, model: Any, *, stage: int, expected: int) -> None:
    """Copy the stage's rows to `model` in one statement, in the order they were staged.
    Call it inside the transaction that must see all of them or none."""
    fields = staged_model.MOVED_FIELDS
    select = staged_model.objects.filter(stage=stage).order_by("pk").values_list(*fields)
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {sql}", params)
        moved = cursor.rowcount
    if moved != expected:
        # Rows went missing under the import (their dataset, round or case was deleted): the
        # caller's transaction rolls the move back.
        raise importers.ImportFailed(
            [_("The data this file belongs to changed during the import; nothing was written.")]
        )


def _staging_discard(staged_model: Any, *, stage: int) -> int:
    """Delete one stage's rows in one statement: no more rows than the move copied in one."""
    return staged_model.objects.filter(stage=stage).delete()[0]


def _staging_discard_abandoned(staged_model: Any, *, before: datetime) -> int:
    """Delete the rows of stages begun before `before` a batch at a time: abandoned stages add
    up, and no delete may hold SQLite's write lock for long."""
    rows = staged_model.objects.filter(stage__lt=_stages_before(before))
    deleted = 0
    while True:
        last = list(rows.order_by("pk").values_list("pk", flat=True)[:STAGING_DELETE_BATCH])
        if not last:
            return deleted
        deleted += rows.filter(pk__lte=last[-1]).delete()[0]
