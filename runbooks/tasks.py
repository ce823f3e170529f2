from celery import shared_task

from runbooks.models import DryRunJob


@shared_task(
    ignore_result=True,
    soft_time_limit=DryRunJob.SOFT_TIME_LIMIT,
    time_limit=DryRunJob.TIME_LIMIT,
)
def dry_run_job_run_task(job_id: int) -> None:
    from runbooks.dry_runs import dry_run_job_run

    dry_run_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def dry_run_jobs_recover_task() -> None:
    from runbooks.dry_runs import dry_run_jobs_recover

    dry_run_jobs_recover()
