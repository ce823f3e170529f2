"""The feedback loops' Celery tasks: thin, id-in, one service each.

The scoring tasks are idempotent (a second run recomputes the same rows under the cursors'
lock), so they take `acks_late` with `reject_on_worker_lost`: a worker lost mid-run leaves the
message to be delivered again rather than a day unscored.
"""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def scoring_runs_enqueue_task() -> None:
    """Hourly: one engagement_scoring_run_task per live engagement."""
    from maestro.monitoring.services.scoring import scoring_runs_enqueue

    scoring_runs_enqueue()


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def engagement_scoring_run_task(engagement_id: int) -> None:
    from maestro.monitoring.services.scoring import engagement_scoring_run_by_id

    engagement_scoring_run_by_id(engagement_id=engagement_id)
