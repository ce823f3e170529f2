from celery import shared_task


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def webhook_delivery_send_task(self, delivery_id: int) -> str:
    """One attempt of a delivery; a failed attempt with tries left comes back after its
    backoff. The delivery row counts attempts (WEBHOOKS_MAX_ATTEMPTS), not Celery, so
    `max_retries` is unbounded here; a lost retry message is re-enqueued by the sweeper."""
    from maestro.webhooks.services import webhook_delivery_send  # lazy: services import us

    result = webhook_delivery_send(delivery_id=delivery_id)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.outcome


@shared_task(ignore_result=True)
def webhook_deliveries_retry_due_task() -> int:
    """Every minute (maestro/schedules.py); overlapping runs enqueue each delivery once."""
    from maestro.webhooks.services import webhook_deliveries_retry_due

    return len(webhook_deliveries_retry_due())
