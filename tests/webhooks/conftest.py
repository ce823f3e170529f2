import pytest

from maestro.webhooks.models import SUBSCRIBABLE_EVENTS, WebhookEndpoint
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def fast_webhooks(settings):
    """Short timeout so the timeout test stays quick; the other settings at their defaults."""
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOKS_MAX_ATTEMPTS = 6
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 30
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    return settings


def make_endpoint(engagement, url, events=None, **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        engagement=engagement,
        url=url,
        secret=fields.pop("secret", "whsec_test-secret"),
        events=events if events is not None else [str(event) for event in SUBSCRIBABLE_EVENTS],
        **fields,
    )
