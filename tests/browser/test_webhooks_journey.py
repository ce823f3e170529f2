"""Webhooks in a real browser with a real worker: the consultant adds an endpoint that points to
a receiver on loopback, sends a test ping, and watches it arrive signed and logged as delivered;
the client's operator sees the log but not the secret."""

import hashlib
import hmac

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import Page, expect

from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.browser.test_journey import ENGAGEMENT, log_in
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/maestro-webhooks.png"


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def test_consultant_adds_an_endpoint_and_a_ping_arrives_signed(
    live_server, page: Page, celery_test_app, receiver
):
    demo_seed()
    engagement = Engagement.objects.get(name=ENGAGEMENT)

    page.goto(live_server.url + engagement.get_absolute_url())
    log_in(page, "maria")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="Add endpoint").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Review task resolved with an override").check()
    page.get_by_role("button", name="Add endpoint").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(receiver.url)
    endpoint = WebhookEndpoint.objects.get(engagement=engagement)
    assert endpoint.events == ["task.overridden"]
    page.get_by_text("Show the secret").click()
    expect(page.locator("#webhook-secret")).to_have_text(endpoint.secret)

    with start_worker(celery_test_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        page.get_by_role("button", name="Send test ping").click()
        expect(page.get_by_text("Ping queued")).to_be_visible()
        assert receiver.wait_for(1, timeout=30), (
            f"the worker sent nothing: {list(WebhookDelivery.objects.values())}"
        )
        log = page.get_by_role("table", name=f"Deliveries to {receiver.url}, newest first")
        for _ in range(50):
            page.reload()
            if log.get_by_text("Delivered", exact=True).count():
                break
            page.wait_for_timeout(200)
        expect(log.get_by_text("Delivered", exact=True)).to_be_visible()

    page.screenshot(path=SCREENSHOT, full_page=True)
    [request] = receiver.requests
    assert request.headers["X-Maestro-Event"] == "ping"
    message = request.headers["X-Maestro-Timestamp"].encode() + b"." + request.body
    digest = hmac.new(endpoint.secret.encode(), message, hashlib.sha256).hexdigest()
    assert request.headers["X-Maestro-Signature"] == "sha256=" + digest

    # Deleting asks first, saying what goes; Cancel keeps everything.
    page.get_by_role("link", name="Delete endpoint and log…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this webhook endpoint?")
    expect(page.get_by_text("1 delivery", exact=True)).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(receiver.url)
    page.get_by_role("link", name="Delete endpoint and log…").click()
    page.get_by_role("button", name="Delete endpoint").click()
    expect(page.get_by_text("Endpoint deleted with its delivery log.")).to_be_visible()
    assert not WebhookEndpoint.objects.filter(engagement=engagement).exists()
