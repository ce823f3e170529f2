from celery import shared_task


@shared_task(ignore_result=True)
def review_tasks_escalate_overdue_task() -> int:
    """Every minute (maestro/schedules.py). Overlapping runs are safe: the service escalates
    each task with a conditional update, so a task moves one step per due time."""
    from handoff.services import review_tasks_escalate_overdue

    return review_tasks_escalate_overdue()
