from celery import shared_task

from maestro.playbooks.models import DryRunJob


@shared_task(
    ignore_result=True,
    soft_time_limit=DryRunJob.SOFT_TIME_LIMIT,
    time_limit=DryRunJob.TIME_LIMIT,
)
def dry_run_job_run_task(job_id: int) -> None:
    from maestro.playbooks.services import dry_run_job_run

    dry_run_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def dry_run_jobs_recover_task() -> None:
    from maestro.playbooks.services import dry_run_jobs_recover

    dry_run_jobs_recover()


# The names these tasks had before playbooks left runbooks/: a message queued under an old name
# (by a web process or beat not yet restarted) still runs. Remove once no such message can wait.
@shared_task(
    name="runbooks.tasks.dry_run_job_run_task",
    ignore_result=True,
    soft_time_limit=DryRunJob.SOFT_TIME_LIMIT,
    time_limit=DryRunJob.TIME_LIMIT,
)
def dry_run_job_run_legacy_task(job_id: int) -> None:
    dry_run_job_run_task(job_id)


@shared_task(name="runbooks.tasks.dry_run_jobs_recover_task", ignore_result=True)
def dry_run_jobs_recover_legacy_task() -> None:
    dry_run_jobs_recover_task()
