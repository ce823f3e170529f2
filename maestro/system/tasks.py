from celery import shared_task


@shared_task(bind=True, ignore_result=True)
def system_heartbeat_record_task(self) -> None:
    from maestro.system.services import system_heartbeat_record

    system_heartbeat_record(worker=self.request.hostname or "unknown")
