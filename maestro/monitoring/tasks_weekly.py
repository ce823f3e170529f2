"""The weekly reviews' Celery tasks: thin, ids in, one service each (services/weekly.py).

Loaded by the worker through CELERY_IMPORTS (settings), not autodiscovery, which imports only
each app's `tasks.py`. Both tasks are idempotent (the services claim unique WeeklyReview rows),
so a message delivered twice, or redelivered after a worker died mid-task, does nothing more:
hence `acks_late` with `reject_on_worker_lost`.
"""

from datetime import date

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def weekly_reviews_fan_out_task() -> int:
    """Hourly (maestro/schedules.py): queue a run per engagement whose client has reached its
    local Monday morning and has not had this week's reviews."""
    from maestro.monitoring.services.weekly import weekly_reviews_fan_out

    return weekly_reviews_fan_out()


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def weekly_reviews_run_task(engagement_id: int, week: str) -> None:
    """One engagement's edge-case review tasks and summary e-mail for the week starting `week`
    (ISO date of its Monday)."""
    from maestro.monitoring.services.weekly import weekly_reviews_run

    weekly_reviews_run(engagement_id=engagement_id, week=date.fromisoformat(week))
