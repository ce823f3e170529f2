from celery import shared_task


@shared_task(ignore_result=True)
def review_tasks_escalate_overdue_task() -> int:
    """Every minute (maestro/schedules.py). Overlapping runs are safe: the service escalates
    each task with a conditional update, so a task moves one step per due time."""
    from maestro.reviews.services import review_tasks_escalate_overdue
    from maestro.reviews.services.escalation import ESCALATION_SWEEP

    # The audit trail names this job, Actor.system("escalation sweep"), for each step.
    return review_tasks_escalate_overdue(actor=ESCALATION_SWEEP)


@shared_task(name="handoff.tasks.review_tasks_escalate_overdue_task", ignore_result=True)
def review_tasks_escalate_overdue_legacy_task() -> int:
    """The same job under its name from before the review queue left handoff/: messages a
    beat queued under that name before a deploy still run. Remove once no such message can
    be left in the broker (one release later)."""
    return review_tasks_escalate_overdue_task()
