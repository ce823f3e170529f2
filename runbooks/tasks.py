from celery import shared_task


# A 100,000-case round routes in seconds; the global 60 s soft limit is for quick tasks.
@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def dry_run_job_run_task(job_id: int) -> None:
    from runbooks.dry_runs import dry_run_job_run

    dry_run_job_run(job_id=job_id)
