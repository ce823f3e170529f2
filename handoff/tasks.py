"""Skill transfer's Celery tasks: thin, one service each.

The check-in job is idempotent (check-ins are unique per plan and time, reminders and missed
flags are conditional updates under row locks), so it takes `acks_late` with
`reject_on_worker_lost`: a worker lost mid-run leaves the message to be delivered again rather
than a reminder unsent.
"""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def check_ins_run_task() -> dict[str, int]:
    """Every 5 minutes (maestro/schedules.py): make each plan's next check-in, send due
    reminders, flag missed check-ins, cancel those of engagements past the check-in phases."""
    from dataclasses import asdict

    from handoff.services.check_ins import check_ins_run

    return asdict(check_ins_run())


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def check_ins_reschedule_task(plan_id: int) -> None:
    """Move or cancel a plan's upcoming check-in after its cadence changed (for callers that
    cannot do it in their own transaction); a deleted plan is a no-op."""
    from handoff.models import SkillTransferPlan
    from handoff.services.check_ins import check_ins_reschedule

    plan = SkillTransferPlan.objects.select_related("engagement__client").filter(pk=plan_id).first()
    if plan is not None:
        check_ins_reschedule(plan)
