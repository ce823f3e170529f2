"""Playbook dry runs as background jobs: a 100,000-case round takes seconds to route, so the
page and the API queue a DryRunJob, a Celery worker runs it, and both show its progress.

Unlike training imports (maestro.training.progress), the routing writes nothing and runs
outside any transaction, so the worker reports progress on the job row itself: each update
commits at once and the job page reads it from there.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.exceptions import DomainError
from maestro.mapping.models import Process
from maestro.tenancy.models import User
from maestro.training.models import EvaluationCase, TrainingRound
from runbooks.models import DryRunJob, PlaybookVersion
from runbooks.playbooks import (
    PROGRESS_EVERY,
    DryRunResult,
    no_playbook_error,
    playbook_dry_run,
)
from runbooks.selectors import playbook_version_current

log = logging.getLogger(__name__)


def dry_run_job_create(
    *,
    process: Process,
    training_round: TrainingRound,
    version: PlaybookVersion | None,
    by: User,
) -> DryRunJob:
    """Queue a dry run of `version` (default: the newest) over a round of `process`. Anyone
    who sees the process may ask for one; callers scope `process` to the user. The task is
    sent once the job row commits."""
    from runbooks.tasks import dry_run_job_run_task  # lazy: the task module imports this one

    if version is None:
        version = playbook_version_current(process=process)
        if version is None:
            raise no_playbook_error()
    if {training_round.dataset.process_id, version.playbook.process_id} != {process.pk}:
        raise DomainError(
            _("The training round and the playbook version must belong to this process."),
            code="wrong_process",
        )
    with transaction.atomic():
        job = DryRunJob.objects.create(
            version=version,
            training_round=training_round,
            requested_by=by,
            cases_total=EvaluationCase.objects.filter(dataset_id=training_round.dataset_id).count(),
        )
        transaction.on_commit(lambda: dry_run_job_run_task.delay(job.pk))
    return job


def dry_run_job_run(*, job_id: int, progress_every: int = PROGRESS_EVERY) -> DryRunJob | None:
    """Run a queued job once. A redelivered task finds it no longer queued and returns None,
    so a finished job is never redone. A DomainError fails the job with its message; any
    other error fails it with a generic one and is re-raised for the error tracker."""
    claimed = DryRunJob.objects.filter(pk=job_id, status=DryRunJob.Status.QUEUED).update(
        status=DryRunJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = DryRunJob.objects.select_related("version__playbook", "training_round").get(pk=job_id)

    def progress(cases: int) -> None:
        DryRunJob.objects.filter(pk=job_id, status=DryRunJob.Status.RUNNING).update(
            cases_done=cases
        )

    outcome: dict[str, Any] = {
        "status": DryRunJob.Status.FAILED,
        "error": _("The dry run stopped on an unexpected error; run it again."),
    }
    try:
        result = playbook_dry_run(
            training_round=job.training_round,
            version=job.version,
            progress=progress,
            progress_every=progress_every,
        )
        outcome = {
            "status": DryRunJob.Status.DONE,
            "error": "",
            "result": result.as_json(),
            "cases_done": result.cases,
            "cases_total": result.cases,
        }
    except DomainError as exc:
        outcome["error"] = exc.message[:500]
    finally:
        DryRunJob.objects.filter(pk=job_id).update(**outcome, finished_at=timezone.now())
        log.info("dry run job %s: %s", job_id, outcome["status"])
    job.refresh_from_db()
    return job


def dry_run_job_result(*, job: DryRunJob) -> DryRunResult | None:
    return DryRunResult.from_json(job.result) if job.result is not None else None


# A queued job older than this had its message lost (a broker restarted without it).
QUEUED_RESEND_AFTER = timedelta(minutes=10)


def dry_run_jobs_recover(*, now: datetime | None = None) -> tuple[int, int]:
    """Periodic clean-up of the dry runs a worker lost; returns (failed, sent again). A job
    still running a minute past the task's hard time limit is failed with an explanation; a
    job queued for ten minutes is sent again (running claims the queued job first, so a
    duplicate message runs nothing twice)."""
    now = now or timezone.now()
    failed = DryRunJob.objects.filter(
        status=DryRunJob.Status.RUNNING,
        started_at__lt=now - timedelta(seconds=DryRunJob.TIME_LIMIT + 60),
    ).update(
        status=DryRunJob.Status.FAILED,
        error=_(
            "The worker running this dry run stopped before it finished (it was restarted, ran "
            "out of memory or went over its time limit); run it again."
        ),
        finished_at=now,
    )
    stale = list(
        DryRunJob.objects.filter(
            status=DryRunJob.Status.QUEUED, created_at__lt=now - QUEUED_RESEND_AFTER
        ).values_list("pk", flat=True)
    )
    from runbooks.tasks import dry_run_job_run_task

    for pk in stale:
        dry_run_job_run_task.delay(pk)
    return failed, len(stale)
