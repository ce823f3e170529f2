"""Live progress of import jobs, kept out of band in Django's cache.

An import stages its rows batch by batch and moves them in at the end (training.services); its
job row is written once, when it is over, not once per batch. The worker puts (phase, rows
done) in the cache instead, which every process shares (CACHES in settings: Redis, or files
under var/), and the job's selectors lay it over the row while the job runs. The final status,
counts and error report go to the row once the import is over.
"""

import logging
from collections.abc import Iterable

from django.core.cache import cache

from maestro.training.models import ImportJob

log = logging.getLogger(__name__)

# Longer than the import task's hard time limit: a crashed worker's entry expires on its own.
TIMEOUT = 2 * 60 * 60


def _key(job_id: int) -> str:
    return f"training:import-job:{job_id}:progress"


# Progress is best effort: a cache outage must neither roll back an import nor break the job
# page, so the two sides below log and carry on instead of raising.


def import_job_progress_set(*, job_id: int, phase: str, rows: int) -> None:
    try:
        cache.set(_key(job_id), {"phase": phase, "rows_done": rows}, TIMEOUT)
    except Exception:
        log.warning("import job %s: live progress not stored", job_id, exc_info=True)


def import_job_progress_clear(*, job_id: int) -> None:
    try:
        cache.delete(_key(job_id))
    except Exception:
        log.warning("import job %s: live progress not cleared", job_id, exc_info=True)


def import_job_progress_merge(jobs: Iterable[ImportJob]) -> None:
    """Lay the live progress over running jobs (in memory; nothing is saved)."""
    running = {job.pk: job for job in jobs if job.status == ImportJob.Status.RUNNING}
    if not running:
        return
    try:
        found = cache.get_many([_key(pk) for pk in running])
    except Exception:
        log.warning("live import progress unavailable", exc_info=True)
        return
    for pk, job in running.items():
        live = found.get(_key(pk))
        if live:
            job.phase, job.rows_done = live["phase"], live["rows_done"]
