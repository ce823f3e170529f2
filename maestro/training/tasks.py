from celery import shared_task

from maestro.training.models import ImportJob


@shared_task(
    ignore_result=True,
    soft_time_limit=ImportJob.SOFT_TIME_LIMIT,
    time_limit=ImportJob.TIME_LIMIT,
)
def import_job_run_task(job_id: int) -> None:
    from maestro.training.services import import_job_run

    import_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def import_jobs_recover_task() -> None:
    from maestro.training.services import import_jobs_recover

    import_jobs_recover()
