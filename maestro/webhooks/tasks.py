from celery import shared_task


@shared_task(acks_late=True)
def webhook_delivery_send_task(delivery_id: int) -> None:
    # TODO(#5): signing, retries with backoff and the delivery log are being built.
    from maestro.webhooks.services import webhook_event_emit  # noqa: F401
