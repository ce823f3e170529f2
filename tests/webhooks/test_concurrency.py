import pytest

from maestro.webhooks.models import WebhookDelivery
from maestro.webhooks.services import delivery as services
from maestro.webhooks.services import webhook_delivery_send, webhook_event_emit
from tests.harness.races import barrier, run_at_once
from tests.webhooks.conftest import make_endpoint
from tests.webhooks.receiver import Pause


@pytest.mark.usefixtures("fast_webhooks")
def test_two_workers_sending_the_same_delivery_at_once_post_it_once(
    transactional_db, world, receiver, monkeypatch
):
    # Two threads, each with its own database connection, run the same attempt at the same
    # moment (a message delivered twice). Both read the row before either claims it (the
    # barrier after the read), so only the conditional claim can stop the second POST.
    receiver.answer(Pause(0.2))
    make_endpoint(world.engagement_a, receiver.url)
    webhook_event_emit(engagement=world.engagement_a, event="task.overdue", payload={})
    delivery = WebhookDelivery.objects.get()
    both_read = barrier()
    load = services._delivery_load

    def load_then_wait(delivery_id):
        row = load(delivery_id)
        both_read.wait()
        return row

    monkeypatch.setattr(services, "_delivery_load", load_then_wait)

    def worker() -> str:
        return webhook_delivery_send(delivery_id=delivery.pk).outcome

    outcomes = run_at_once(worker, worker)
    assert sorted(outcomes) == ["delivered", "skipped"]
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 1)
