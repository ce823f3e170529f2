"""Background jobs: a row per job, a Celery task that runs it, and a periodic clean-up.

Every job model (training imports, playbook dry runs, the handoff PDFs to come) derives from
`BackgroundJob` and goes through the functions below, so each app keeps only what its job does:

- the service creates the row (status queued) and sends the task in `transaction.on_commit`;
- the task calls the service, which first `job_claim`s the row: a conditional update
  queued → running whose row count says who won, so a duplicate delivery of the message
  (acks_late, a re-send) runs nothing twice;
- the service ends with `job_finish` (succeeded or failed, with its own outcome fields);
- `jobs_recover`, every few minutes, fails the jobs still running past the task's hard time
  limit (their worker died, ran out of memory or was killed at the limit) and sends again the
  jobs queued for too long (their message was lost, e.g. a broker restarted without it).
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A job still running this long past its task's hard time limit lost its worker.
LOST_MARGIN = timedelta(seconds=60)
# A job queued for longer than this had its message lost: it is sent again.
QUEUED_RESEND_AFTER = timedelta(minutes=10)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class BackgroundJob(models.Model):
    """The fields every job shares. A subclass sets the limits its Celery task runs under
    (`SOFT_TIME_LIMIT`, `TIME_LIMIT`, in seconds) and adds its inputs, progress and outcome."""

    Status = JobStatus

    SOFT_TIME_LIMIT: ClassVar[int]
    TIME_LIMIT: ClassVar[int]
    # The words (value, label) a kind of job was first published with, where they differ from
    # the shared ones: its API and pages keep saying them, so nobody sees the vocabulary change.
    PUBLISHED_STATUSES: ClassVar[Mapping[str, tuple[str, str | Promise]]] = {}

    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def status_label(self) -> str:
        """The status as this kind of job's pages have always named it."""
        published = self.PUBLISHED_STATUSES.get(self.status)
        return str(published[1]) if published else str(JobStatus(self.status).label)


JobModel = type[BackgroundJob]


def job_claim(model: JobModel, *, job_id: int, **fields: Any) -> bool:
    """Move a queued job to running (with `fields`, e.g. a first phase); False if it was not
    queued: another delivery of the same message claimed it, or it is already over."""
    claimed = model._default_manager.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), **fields
    )
    return claimed == 1


def job_progress(model: JobModel, *, job_id: int, **fields: Any) -> None:
    """Write progress on a running job's row (it commits at once outside a transaction); a
    job no longer running is left alone."""
    model._default_manager.filter(pk=job_id, status=JobStatus.RUNNING).update(**fields)


def job_finish(model: JobModel, *, job_id: int, succeeded: bool, **fields: Any) -> None:
    """Record a job's outcome: succeeded or failed, when, and its own outcome `fields`."""
    model._default_manager.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED if succeeded else JobStatus.FAILED,
        finished_at=timezone.now(),
        **fields,
    )


def jobs_recover(
    model: JobModel,
    *,
    send: Callable[[int], object],
    failed_fields: dict[str, Any],
    on_lost: Callable[[Iterable[int]], None] | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """The periodic clean-up of the jobs a worker lost; returns (failed, sent again).

    A job still running `LOST_MARGIN` past the task's hard time limit is failed with
    `failed_fields` (its explanation); `on_lost` then gets the ids of those jobs to clean up
    after them (files, cache entries). A job queued for `QUEUED_RESEND_AFTER` is sent again
    through `send` (the task's `delay`): the claim makes a duplicate message harmless.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=model.TIME_LIMIT) - LOST_MARGIN
    jobs = model._default_manager
    lost = list(
        jobs.filter(
            # started_at is null on rows from before it existed: the creation time stands in.
            Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff),
            status=JobStatus.RUNNING,
        ).values_list("pk", flat=True)
    )
    failed = jobs.filter(pk__in=lost, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, finished_at=now, **failed_fields
    )
    if lost and on_lost is not None:
        on_lost(lost)
    stale = list(
        jobs.filter(status=JobStatus.QUEUED, created_at__lt=now - QUEUED_RESEND_AFTER).values_list(
            "pk", flat=True
        )
    )
    for pk in stale:
        send(pk)
    return failed, len(stale)
