"""Writes of the training loop. Only the engagement's consultants (can_manage_engagement) write."""

import secrets
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.lib.uploads import UploadTooLarge, upload_max_bytes
from maestro.mapping.models import Process
from maestro.tenancy.models import User
from maestro.training import importers
from maestro.training.models import (
    AgentOutput,
    EvaluationCase,
    EvaluationDataset,
    FailureReview,
    GateCriteria,
    ImportJob,
    StagedCase,
    StagedOutput,
    TrainingRound,
)
from maestro.training.progress import import_job_progress_clear, import_job_progress_set

BATCH_SIZE = 2000
Progress = importers.Progress


def _require_manage(by: User, engagement: Engagement) -> None:
    require_engagement_manager(
        by, engagement, message=_("Only the engagement's consultants can change its training data.")
    )


def dataset_create(*, process: Process, name: str, by: User) -> EvaluationDataset:
    _require_manage(by, process.engagement)
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("A dataset needs a name.")]})
    if EvaluationDataset.objects.filter(process=process, name__iexact=name).exists():
        raise ValidationError(
            {"name": [_("This process already has a dataset named “%(name)s”.") % {"name": name}]}
        )
    return EvaluationDataset.objects.create(process=process, name=name)


def dataset_import_cases(
    *,
    dataset: EvaluationDataset,
    path: str,
    fmt: str,
    by: User | None,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> int:
    """Add the file's cases in one parse: batches are staged as rows validate, then moved in.

    `by=None` is the system (management command, demo). Raises ImportFailed; nothing written."""
    if by is not None:
        _require_manage(by, dataset.process.engagement)
    taken = set(EvaluationCase.objects.filter(dataset=dataset).values_list("case_ref", flat=True))
    stage = _new_stage()
    staged = 0

    def write(batch: list[importers.Record]) -> None:
        nonlocal staged
        StagedCase.objects.bulk_create(
            [StagedCase(stage=stage, dataset=dataset, **cleaned) for cleaned in batch]
        )
        staged += len(batch)

    try:
        rows = importers.import_file(
            path=path,
            fmt=fmt,
            required=importers.CASE_REQUIRED,
            clean=importers.clean_case,
            write=write,
            batch_size=batch_size,
            taken_refs=taken,
            on_progress=on_progress,
            max_rows=settings.MAESTRO_IMPORT_MAX_ROWS,
        )
        with transaction.atomic():
            # Another import may have added some of these refs since `taken` was read.
            clashes = list(
                StagedCase.objects.filter(
                    stage=stage,
                    case_ref__in=EvaluationCase.objects.filter(dataset=dataset).values("case_ref"),
                ).values_list("case_ref", flat=True)[: importers.MAX_ERRORS]
            )
            if clashes:
                raise importers.ImportFailed(
                    [
                        f"case_ref: '{ref}' "
                        + _("is already in this dataset (added while this file was imported)")
                        for ref in clashes
                    ]
                )
            _staging_move(StagedCase, EvaluationCase, stage=stage, expected=staged)
        return rows
    finally:
        _staging_discard(StagedCase, stage=stage)


# --- staging: imports write in short transactions, and readers see all of a file or none -----
#
# A long import in one transaction would hold SQLite's only write lock throughout, and every
# other write (logins included) would wait past its busy timeout. So validated rows are staged
# (StagedCase, StagedOutput: tables no reader looks at) in one short transaction per batch, and
# one short transaction at the end moves them in with a single INSERT … SELECT. Staged rows are
# deleted afterwards whatever the outcome; a worker that died leaves some behind,
# and import_jobs_recover deletes those once they are old.

STAGING_DELETE_BATCH = 5000
STAGING_ABANDONED_AFTER = timedelta(hours=6)


STAGE_RANDOM_BITS = 31


def _new_stage() -> int:
    """A stage number that says when it began: Unix seconds above 31 random bits."""
    return (int(time.time()) << STAGE_RANDOM_BITS) | secrets.randbits(STAGE_RANDOM_BITS)


def _stages_before(moment: datetime) -> int:
    return int(moment.timestamp()) << STAGE_RANDOM_BITS


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


def round_create(
    *, dataset: EvaluationDataset, round_date: date, what_changed: str, by: User | None
) -> TrainingRound:
    if by is not None:
        _require_manage(by, dataset.process.engagement)
    with transaction.atomic():
        # Lock the dataset row so two creations do not pick the same number.
        EvaluationDataset.objects.select_for_update().filter(pk=dataset.pk).first()
        last = TrainingRound.objects.filter(dataset=dataset).aggregate(n=Max("number"))["n"]
        return TrainingRound.objects.create(
            dataset=dataset, number=(last or 0) + 1, date=round_date, what_changed=what_changed
        )


def round_import_outputs(
    *,
    training_round: TrainingRound,
    path: str,
    fmt: str,
    by: User | None,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> int:
    """Replace the round's outputs with the file's. Unknown or duplicate case refs are errors;
    cases without an output count as failures."""
    if by is not None:
        _require_manage(by, training_round.dataset.process.engagement)
    case_ids = dict(
        EvaluationCase.objects.filter(dataset_id=training_round.dataset_id).values_list(
            "case_ref", "id"
        )
    )
    unknown = _("is not a case of this dataset")
    stage = _new_stage()
    staged = 0

    def write(batch: list[importers.Record]) -> None:
        nonlocal staged
        StagedOutput.objects.bulk_create(
            [
                StagedOutput(
                    stage=stage,
                    round=training_round,
                    case_id=case_ids[cleaned["case_ref"]],
                    predicted_outcome=cleaned["predicted_outcome"],
                    confidence=cleaned["confidence"],
                )
                for cleaned in batch
            ]
        )
        staged += len(batch)

    try:
        written = importers.import_file(
            path=path,
            fmt=fmt,
            required=importers.OUTPUT_REQUIRED,
            clean=importers.clean_output,
            write=write,
            batch_size=batch_size,
            check_ref=lambda ref: None if ref in case_ids else unknown,
            on_progress=on_progress,
            max_rows=settings.MAESTRO_IMPORT_MAX_ROWS,
        )
        with transaction.atomic():
            AgentOutput.objects.filter(round=training_round).delete()
            _staging_move(StagedOutput, AgentOutput, stage=stage, expected=staged)
            # A failure tag explains a miss; once the new outputs get that case right it would
            # only skew the causes chart.
            FailureReview.objects.filter(
                round=training_round,
                case__outputs__round=training_round,
                case__outputs__predicted_outcome=F("case__correct_outcome"),
            ).delete()
        return written
    finally:
        _staging_discard(StagedOutput, stage=stage)


def failure_review_set(
    *, training_round: TrainingRound, case: EvaluationCase, cause: str, note: str, by: User
) -> FailureReview:
    _require_manage(by, training_round.dataset.process.engagement)
    if case.dataset_id != training_round.dataset_id:
        raise ValidationError({"case": [_("This case is not in the round's dataset.")]})
    if cause not in FailureReview.Cause.values:
        raise ValidationError({"cause": [_("Unknown cause.")]})
    output = AgentOutput.objects.filter(round=training_round, case=case).first()
    if output is not None and output.predicted_outcome == case.correct_outcome:
        raise ValidationError({"case": [_("The agent got this case right in this round.")]})
    review, _created = FailureReview.objects.update_or_create(
        round=training_round,
        case=case,
        defaults={"cause": cause, "note": note, "reviewed_by": by},
    )
    return review


def gate_criteria_set(
    *,
    engagement: Engagement,
    category_minimums: dict[str, float],
    critical_categories: list[str],
    max_critical_misses: int,
    by: User,
) -> GateCriteria:
    _require_manage(by, engagement)
    errors: dict[str, list[str]] = {}
    for category, minimum in category_minimums.items():
        if not isinstance(minimum, int | float) or isinstance(minimum, bool):
            errors.setdefault("category_minimums", []).append(
                _("%(category)s: the minimum must be a number.") % {"category": category}
            )
        elif not 0 <= minimum <= 100:
            errors.setdefault("category_minimums", []).append(
                _("%(category)s: the minimum must be between 0 and 100.") % {"category": category}
            )
    if max_critical_misses < 0:
        errors["max_critical_misses"] = [_("Cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    criteria, _created = GateCriteria.objects.update_or_create(
        engagement=engagement,
        defaults={
            "category_minimums": {k.strip(): float(v) for k, v in category_minimums.items()},
            "critical_categories": sorted({c.strip() for c in critical_categories if c.strip()}),
            "max_critical_misses": max_critical_misses,
        },
    )
    return criteria


# --- import jobs (uploads through the API or the pages run on a Celery worker) ---------------


def _upload_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "training-imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def count_data_rows(*, path: str, fmt: str) -> int:
    """Rows in the file, for progress (line count, less the CSV header): cheap, approximate
    if quoted fields span lines."""
    lines, last = 0, b""
    with open(path, "rb") as raw:
        while chunk := raw.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk
    if last and not last.endswith(b"\n"):
        lines += 1
    return max(lines - 1, 0) if fmt == "csv" else lines


def import_job_create(
    *,
    dataset: EvaluationDataset,
    upload: Any,
    fmt: str | None,
    by: User,
    training_round: TrainingRound | None = None,
) -> ImportJob:
    """Store the upload on disk (in chunks) and enqueue its import once the job row commits."""
    _require_manage(by, dataset.process.engagement)
    name = getattr(upload, "name", "") or "upload"
    fmt = fmt or importers.guess_format(name)
    if fmt not in importers.FORMATS:
        raise ValidationError({"format": [_("Use csv or jsonl.")]})
    if getattr(upload, "size", 0) > upload_max_bytes():
        raise UploadTooLarge()  # the upload handler drops such files first; this is a backstop
    path = _upload_dir() / f"{uuid.uuid4().hex}.{fmt}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    total = count_data_rows(path=str(path), fmt=fmt)
    from maestro.training.tasks import import_job_run_task

    with transaction.atomic():
        job = ImportJob.objects.create(
            dataset=dataset,
            round=training_round,
            kind=ImportJob.Kind.OUTPUTS if training_round else ImportJob.Kind.CASES,
            file_path=str(path),
            file_format=fmt,
            rows_total=total,
            created_by=by,
        )
        transaction.on_commit(lambda: import_job_run_task.delay(job.pk))
    return job


def import_job_run(
    *, job_id: int, batch_size: int = BATCH_SIZE, on_progress: Progress | None = None
) -> ImportJob | None:
    """Run a pending job once (a redelivered task finds it no longer pending and stops).

    Progress goes to the cache while the import transaction is open (see training.progress),
    then the outcome to the job row; `on_progress` is told after each cache update."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, phase="validating", started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("dataset", "round").get(pk=job_id)
    rows_done = 0

    def progress(phase: str, rows: int) -> None:
        nonlocal rows_done
        rows_done = rows
        import_job_progress_set(job_id=job_id, phase=phase, rows=rows)
        if on_progress:
            on_progress(phase, rows)

    status, written = ImportJob.Status.FAILED, 0
    errors: list[str] = [_("The import stopped on an unexpected error; nothing was written.")]
    try:
        if job.round is not None:
            written = round_import_outputs(
                training_round=job.round,
                path=job.file_path,
                fmt=job.file_format,
                by=None,
                batch_size=batch_size,
                on_progress=progress,
            )
        else:
            written = dataset_import_cases(
                dataset=job.dataset,
                path=job.file_path,
                fmt=job.file_format,
                by=None,
                batch_size=batch_size,
                on_progress=progress,
            )
        status, errors = ImportJob.Status.SUCCEEDED, []
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
        Path(job.file_path).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job_id).update(
            status=status,
            errors=errors,
            rows_done=rows_done,
            rows_written=written,
            phase="done",
            finished_at=timezone.now(),
        )
        # After the row says done: a reader never finds neither the live nor the final figures.
        import_job_progress_clear(job_id=job_id)
    job.refresh_from_db()
    return job


# A pending job older than this had its message lost (a broker restarted without it).
PENDING_RESEND_AFTER = timedelta(minutes=10)


def import_jobs_recover(*, now: datetime | None = None) -> tuple[int, int]:
    """Periodic clean-up of the jobs a worker lost; returns (failed, sent again).

    A job still running a minute past the task's hard time limit lost its worker (killed, out
    of memory, over the limit): its rows were only staged, never moved in, so it is failed
    with that explanation and its upload removed; staged rows that old are deleted. A job
    pending for ten minutes is sent again; running claims the pending job first, so a
    duplicate message runs nothing twice.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=ImportJob.TIME_LIMIT + 60)
    lost = list(
        ImportJob.objects.filter(
            Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff),
            status=ImportJob.Status.RUNNING,  # started_at is null on jobs from before it existed
        ).values_list("pk", "file_path")
    )
    failed = ImportJob.objects.filter(
        pk__in=[pk for pk, _path in lost], status=ImportJob.Status.RUNNING
    ).update(
        status=ImportJob.Status.FAILED,
        phase="done",
        errors=[
            _(
                "The worker running this import stopped before it finished (it was restarted, "
                "ran out of memory or went over its time limit); nothing was written. Upload "
                "the file again."
            )
        ],
        finished_at=now,
    )
    for pk, path in lost:
        if path:
            Path(path).unlink(missing_ok=True)
        import_job_progress_clear(job_id=pk)
    for staged_model in (StagedCase, StagedOutput):
        _staging_discard_abandoned(staged_model, before=now - STAGING_ABANDONED_AFTER)
    stale = list(
        ImportJob.objects.filter(
            status=ImportJob.Status.PENDING, created_at__lt=now - PENDING_RESEND_AFTER
        ).values_list("pk", flat=True)
    )
    from maestro.training.tasks import import_job_run_task

    for pk in stale:
        import_job_run_task.delay(pk)
    return failed, len(stale)
