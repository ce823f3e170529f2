from celery import shared_task


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def import_job_run_task(job_id: int) -> None:
    from maestro.training.services import import_job_run

    import_job_run(job_id=job_id)
