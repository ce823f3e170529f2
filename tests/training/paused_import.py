"""An import job run in a thread of its own, held still once it has written some rows, so a
test can look at the database and the cache from another connection meanwhile."""

import threading

from django.db import connection

from maestro.training import services
from maestro.training.models import ImportJob


def import_run_paused_at(job: ImportJob, rows_written: int, *, batch_size: int):
    """Start the job's import in a thread (its own connection) and block it once
    `rows_written` rows are written; returns (paused, resume, thread, outcome)."""
    paused, resume, outcome = threading.Event(), threading.Event(), {}

    def hook(phase: str, rows: int) -> None:
        if phase == "writing" and rows == rows_written:
            paused.set()
            resume.wait(30)

    def run() -> None:
        try:
            outcome["job"] = services.import_job_run(
                job_id=job.pk, batch_size=batch_size, on_progress=hook
            )
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return paused, resume, thread, outcome
