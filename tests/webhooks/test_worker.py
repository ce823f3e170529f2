import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from maestro.webhooks.models import WebhookDelivery, WebhookEvent
from maestro.webhooks.services import webhook_event_emit
from tests.webhooks.conftest import make_endpoint

WAIT_SECONDS = 30


def _wait_for(predicate, *, timeout: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery_worker
def test_real_worker_delivers_an_emitted_event_to_the_receiver(
    transactional_db, world, celery_test_app, receiver
):
    # transactional_db: the worker thread has its own connection and sees committed rows only;
    # the emit's on_commit hook publishes to the broker when the atomic block commits.
    make_endpoint(world.engagement_a, receiver.url, [WebhookEvent.DECISION_ESCALATED])
    with start_worker(celery_test_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        with transaction.atomic():
            webhook_event_emit(
                engagement=world.engagement_a,
                event=WebhookEvent.DECISION_ESCALATED,
                payload={"decision_id": 42},
            )

        assert receiver.wait_for(1, timeout=WAIT_SECONDS), (
            f"nothing received within {WAIT_SECONDS} s via {celery_test_app.conf.broker_url}"
        )
        delivery = WebhookDelivery.objects.get()
        assert _wait_for(
            lambda: WebhookDelivery.objects.filter(
                pk=delivery.pk, status=WebhookDelivery.Status.DELIVERED
            ).exists()
        )

    [request] = receiver.requests
    assert request.headers["X-Maestro-Event"] == "decision.escalated"
    assert b'"data":{"decision_id":42}' in request.body
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
