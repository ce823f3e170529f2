"""Import jobs: uploads through the API or the pages run on a Celery worker."""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any, BinaryIO, cast

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.engagements.scoping import require_engagement_manager
from maestro.lib.jobs import job_claim, job_finish, jobs_recover
from maestro.lib.uploads import upload_check
from maestro.tenancy.models import User
from maestro.training import importers
from maestro.training.models import (
    EvaluationDataset,
    ImportJob,
    StagedCase,
    StagedOutput,
    TrainingRound,
)
from maestro.training.progress import import_job_progress_clear, import_job_progress_set
from maestro.training.services.datasets import TRAINING_MANAGERS_ONLY, dataset_import_cases
from maestro.training.services.rounds import round_import_outputs
from maestro.training.services.staging import (
    BATCH_SIZE,
    STAGING_ABANDONED_AFTER,
    Progress,
    _staging_discard_abandoned,
)

# Uploads wait for their job in STORAGES["default"] (local media or object storage, so the
# worker that runs the job needs no shared disk with the web process that took the upload).
UPLOAD_FOLDER = "training-imports"


def count_data_lines(chunks: Iterable[bytes], *, fmt: str) -> int:
    """Rows in the file's `chunks`, for progress (line count, less the CSV header): cheap,
    approximate if quoted fields span lines."""
    lines, last = 0, b""
    for chunk in chunks:
        if chunk:
            lines += chunk.count(b"\n")
            last = chunk
    if last and not last.endswith(b"\n"):
        lines += 1
    return max(lines - 1, 0) if fmt == "csv" else lines


def count_data_rows(*, path: str, fmt: str) -> int:
    """count_data_lines of the file at `path` (the management command's)."""
    with open(path, "rb") as raw:
        return count_data_lines(iter(lambda: raw.read(1 << 20), b""), fmt=fmt)


@contextmanager
def _stored_upload(name: str) -> Iterator[BinaryIO]:
    with default_storage.open(name, "rb") as stored:
        # The file object underneath: it iterates line by line at b"\n" only, as a file opened
        # from a path does (django's File splits at a lone b"\r" too, which CSV quotes may hold).
        yield cast(BinaryIO, stored.file)


def _upload_delete(name: str | None) -> None:
    if name:
        default_storage.delete(name)  # a missing file is no error


def import_job_create(
    *,
    dataset: EvaluationDataset,
    upload: Any,
    fmt: str | None,
    by: User,
    training_round: TrainingRound | None = None,
) -> ImportJob:
    """Store the upload (in chunks, through STORAGES["default"]) and enqueue its import once
    the job row commits.

    What the request gets wrong (no file, an empty or oversized one, an unknown type) is a
    ValidationError on `file` before anything is stored; what the rows get wrong, the job
    reports (README, "API conventions")."""
    require_engagement_manager(by, dataset.process.engagement, message=TRAINING_MANAGERS_ONLY)
    if fmt is not None and fmt not in importers.FORMATS:
        raise ValidationError({"format": [_("Use csv or jsonl.")]})
    fmt = upload_check(upload, formats=importers.EXTENSIONS, fmt=fmt)
    total = count_data_lines(upload.chunks(), fmt=fmt)
    name = default_storage.save(f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}.{fmt}", upload)
    from maestro.training.tasks import import_job_run_task

    with transaction.atomic():
        job = ImportJob.objects.create(
            dataset=dataset,
            training_round=training_round,
            kind=ImportJob.Kind.OUTPUTS if training_round else ImportJob.Kind.CASES,
            file=name,
            file_format=fmt,
            rows_total=total,
            created_by=by,
        )
        transaction.on_commit(lambda: import_job_run_task.delay(job.pk))
    return job


def import_job_run(
    *, job_id: int, batch_size: int = BATCH_SIZE, on_progress: Progress | None = None
) -> ImportJob | None:
    """Run a queued job once (a redelivered task finds it no longer queued and stops).

    Progress goes to the cache while the import transaction is open (see training.progress),
    then the outcome to the job row; `on_progress` is told after each cache update."""
    if not job_claim(ImportJob, job_id=job_id, phase="validating"):
        return None
    job = ImportJob.objects.select_related(
        "dataset__process__engagement", "training_round", "created_by"
    ).get(pk=job_id)
    rows_done = 0

    def progress(phase: str, rows: int) -> None:
        nonlocal rows_done
        rows_done = rows
        import_job_progress_set(job_id=job_id, phase=phase, rows=rows)
        if on_progress:
            on_progress(phase, rows)

    name = job.file.name or ""
    source = partial(_stored_upload, name)
    succeeded, written = False, 0
    errors: list[str] = [_("The import stopped on an unexpected error; nothing was written.")]
    try:
        if job.training_round is not None:
            written = round_import_outputs(
                training_round=job.training_round,
                path=source,
                fmt=job.file_format,
                by=None,
                actor=job.created_by,  # who uploaded the file, for the audit trail
                batch_size=batch_size,
                on_progress=progress,
            )
        else:
            written = dataset_import_cases(
                dataset=job.dataset,
                path=source,
                fmt=job.file_format,
                by=None,
                actor=job.created_by,  # who uploaded the file, for the audit trail
                batch_size=batch_size,
                on_progress=progress,
            )
        succeeded, errors = True, []
    except importers.ImportFailed as exc:
        errors = exc.errors
        if exc.extra.get("error_count", 0) > len(errors):
            errors = [
                *errors,
                _("… and %(n)d more.") % {"n": exc.extra["error_count"] - len(errors)},
            ]
    except FileNotFoundError:
        errors = [_("The uploaded file is gone; upload it again.")]
    finally:
        _upload_delete(name)
        job_finish(
            ImportJob,
            job_id=job_id,
            succeeded=succeeded,
            errors=errors,
            rows_done=rows_done,
            rows_written=written,
            phase="done",
        )
        # After the row says done: a reader never finds neither the live nor the final figures.
        import_job_progress_clear(job_id=job_id)
    job.refresh_from_db()
    return job


def _import_jobs_clean_up(job_ids: Iterable[int]) -> None:
    """Remove the uploads and live progress of jobs a worker lost."""
    for pk, name in ImportJob.objects.filter(pk__in=list(job_ids)).values_list("pk", "file"):
        _upload_delete(name)
        import_job_progress_clear(job_id=pk)


def import_jobs_recover(*, now: datetime | None = None) -> tuple[int, int]:
    """Periodic clean-up of the jobs a worker lost (maestro.lib.jobs.jobs_recover); returns
    (failed, sent again).

    A job still running a minute past the task's hard time limit lost its worker (killed, out
    of memory, over the limit): its rows were only staged, never moved in, so it is failed
    with that explanation and its upload removed; staged rows that old are deleted. A job
    queued for ten minutes is sent again; running claims the queued job first, so a
    duplicate message runs nothing twice.
    """
    from maestro.training.tasks import import_job_run_task

    now = now or timezone.now()
    recovered = jobs_recover(
        ImportJob,
        send=import_job_run_task.delay,
        failed_fields={
            "phase": "done",
            "errors": [
                _(
                    "The worker running this import stopped before it finished (it was "
                    "restarted, ran out of memory or went over its time limit); nothing was "
                    "written. Upload the file again."
                )
            ],
        },
        on_lost=_import_jobs_clean_up,
        now=now,
    )
    for staged_model in (StagedCase, StagedOutput):
        _staging_discard_abandoned(staged_model, before=now - STAGING_ABANDONED_AFTER)
    return recovered
