"""Known counterparties: what routing's "new counterparty" rule treats as seen before.

A process's counterparties become known from its evaluation datasets (when cases are imported:
a supplier in the training history is not new), from its first live decision (the intake), or
from a consultant, one by one or from a CSV file. Writes are the engagement's consultants'.
"""

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import StateConflict
from maestro.lib.uploads import upload_check
from maestro.mapping.models import Process
from maestro.playbooks.models import KnownCounterparty
from maestro.tenancy.models import User
from maestro.training import importers
from maestro.training.models import EvaluationDataset

COUNTERPARTIES_MANAGERS_ONLY = gettext_lazy(
    "Only the engagement's consultants change its known counterparties."
)
# Rows one CSV import takes (README, "Limits"): checked, then written in one short transaction.
MAX_IMPORT_ROWS = 10_000
MAX_NAME_LENGTH = KnownCounterparty.MAX_NAME_LENGTH
# Names per insert, and per `name IN (…)` lookup (SQLite caps a statement's parameters).
BATCH = 1000


def _name_problem(name: str) -> str | None:
    if not name:
        return _("is required")
    if "\x00" in name:
        return _("contains a NUL character")
    if len(name) > MAX_NAME_LENGTH:
        return _("longer than %(n)d characters") % {"n": MAX_NAME_LENGTH}
    return None


def _clean_name(name: Any) -> str:
    """A name as routing compares it (exactly, without surrounding spaces), or ValidationError."""
    name = name.strip() if isinstance(name, str) else ""
    problem = _name_problem(name)
    if problem:
        raise ValidationError({"name": [f"{_('The name')} {problem}."]})
    return name


def _batches(names: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def known_counterparties_seed(*, dataset: EvaluationDataset, counterparties: Iterable[str]) -> None:
    """Make an import's counterparties known for the dataset's process (the cases-imported hook
    of maestro.training, in the import's transaction). Names already known keep their source."""
    for batch in _batches(counterparties):
        KnownCounterparty.objects.bulk_create(
            [
                KnownCounterparty(
                    process_id=dataset.process_id,
                    name=name,
                    source=KnownCounterparty.Source.DATASET,
                )
                for name in batch
            ],
            ignore_conflicts=True,
        )


def known_counterparty_add(*, process: Process, name: str, by: User) -> KnownCounterparty:
    """Add one name; a name already known is StateConflict `counterparty_already_known`."""
    require_engagement_manager(by, process.engagement, message=COUNTERPARTIES_MANAGERS_ONLY)
    name = _clean_name(name)
    counterparty = KnownCounterparty(
        process=process, name=name, source=KnownCounterparty.Source.ADDED, added_by=by
    )
    try:
        with transaction.atomic():
            counterparty.save()
            audit_record(
                AuditEvent.COUNTERPARTY_ADDED,
                actor=by,
                client=process.engagement.client_id,
                engagement=process.engagement_id,
                target=counterparty,
                changes={"name": (None, name)},
                data={"process": process.pk},
            )
    except IntegrityError:
        # The unique (process, name): known already, or added by someone else just now.
        known = KnownCounterparty.objects.filter(process=process, name=name).first()
        raise StateConflict(
            _("“%(name)s” is already known for this process.") % {"name": name},
            code="counterparty_already_known",
            extra={"counterparty": known.pk if known else None},
        ) from None
    return counterparty


def known_counterparty_remove(*, counterparty: KnownCounterparty, by: User) -> None:
    """Forget a name: the process's next decision with it is routed as a new counterparty."""
    process = counterparty.process
    require_engagement_manager(by, process.engagement, message=COUNTERPARTIES_MANAGERS_ONLY)
    with transaction.atomic():
        deleted, _per_model = KnownCounterparty.objects.filter(pk=counterparty.pk).delete()
        if deleted:
            audit_record(
                AuditEvent.COUNTERPARTY_REMOVED,
                actor=by,
                client=process.engagement.client_id,
                engagement=process.engagement_id,
                target=counterparty,
                changes={"name": (counterparty.name, None)},
                data={"process": process.pk, "source": counterparty.source},
            )


@dataclass(frozen=True)
class CounterpartyImport:
    rows: int
    added: int
    already_known: int


@contextmanager
def _on_disk(upload: Any) -> Iterator[str]:
    """The uploaded file's path: Django's temporary file when the upload is large, else a
    temporary copy (the CSV reader streams from a path)."""
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        yield path()
        return
    with tempfile.NamedTemporaryFile(suffix=".csv") as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        yield copy.name


def _read_names(path: str) -> tuple[dict[str, int], int]:
    """The file's names (each with the line it first appears on) and its row count. Every row
    is checked first; any problem refuses the whole file (ImportFailed, each problem named by
    its line in the file and its row among the data rows)."""
    names: dict[str, int] = {}
    errors: list[str] = []
    total_errors = rows = 0
    for line, record in importers.iter_records(path, "csv", ("name",)):
        rows += 1
        where = _("line %(line)d (row %(row)d)") % {"line": line, "row": rows}
        if rows > MAX_IMPORT_ROWS:
            message = _(
                "%(where)s: the file has more than %(max)d rows, the most one import takes; "
                "split it into smaller files."
            ) % {"where": where, "max": MAX_IMPORT_ROWS}
            raise importers.ImportFailed([message, *errors], total=total_errors + 1)
        if "__error__" in record:
            problem: str | None = str(record["__error__"])
        else:
            name = record["name"].strip()
            problem = f"name: {_name_problem(name)}" if _name_problem(name) else None
            if problem is None:
                names.setdefault(name, line)
        if problem:
            total_errors += 1
            if len(errors) < importers.MAX_ERRORS:
                errors.append(f"{where}: {problem}")
    if rows == 0:
        raise importers.ImportFailed([_("The file has a header but no rows.")])
    if errors:
        raise importers.ImportFailed(errors, total=total_errors)
    return names, rows


def known_counterparties_import(*, process: Process, upload: Any, by: User) -> CounterpartyImport:
    """Add the names of a CSV file (UTF-8, a BOM is fine, a header line with a `name` column;
    other columns are ignored) to the process's known counterparties. All or nothing: a bad
    row refuses the file and nothing is written. Names already known are left as they are."""
    require_engagement_manager(by, process.engagement, message=COUNTERPARTIES_MANAGERS_ONLY)
    # The request's problems (empty, not a .csv, too large) on `file` first, like every upload.
    upload_check(upload, formats={".csv": "csv"})
    with _on_disk(upload) as path:
        names, rows = _read_names(path)
    with transaction.atomic():
        known: set[str] = set()
        for batch in _batches(names):
            known.update(
                KnownCounterparty.objects.filter(process=process, name__in=batch).values_list(
                    "name", flat=True
                )
            )
        new = [name for name in names if name not in known]
        for batch in _batches(new):
            KnownCounterparty.objects.bulk_create(
                [
                    KnownCounterparty(
                        process=process,
                        name=name,
                        source=KnownCounterparty.Source.ADDED,
                        added_by=by,
                    )
                    for name in batch
                ],
                ignore_conflicts=True,  # added by someone else meanwhile: known either way
            )
        result = CounterpartyImport(rows=rows, added=len(new), already_known=len(names) - len(new))
        audit_record(
            AuditEvent.COUNTERPARTIES_IMPORTED,
            actor=by,
            client=process.engagement.client_id,
            engagement=process.engagement_id,
            target=process,
            data={"rows": rows, "added": result.added, "already_known": result.already_known},
        )
    return result
