"""Watching the agent in a real browser, on the demo's live process: the operator opens
Monitoring, reads the week's sentence and the daily accuracy chart with its floor, sees the
firing drift alert, acknowledges it with a note, and the page fits a 390-pixel phone."""

import pytest
from playwright.sync_api import Page, expect

from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from maestro.monitoring.models import AlertEpisode
from tests.browser.test_journey import ENGAGEMENT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE_SCREENSHOT = "/tmp/maestro-monitoring.png"
NARROW_SCREENSHOT = "/tmp/maestro-monitoring-narrow.png"


def test_the_operator_reads_the_trend_and_acknowledges_the_drift_alert(live_server, page: Page):
    demo_seed()
    page.goto(live_server.url)
    log_in(page, "olivia")  # an operator lands on her queue
    engagement = Engagement.objects.get(name=ENGAGEMENT)
    page.goto(live_server.url + engagement.get_absolute_url())
    page.get_by_role("navigation", name="Engagement sections").get_by_role(
        "link", name="Monitoring", exact=True
    ).click()

    expect(page.get_by_role("heading", name="Monitoring", level=1)).to_be_visible()
    expect(
        page.get_by_text("92.3% correct decisions this week, down from 94.1%").first
    ).to_be_visible()
    chart = page.locator("figure.accuracy-figure").first
    expect(chart.locator("svg")).to_be_visible()
    expect(chart.get_by_role("heading", name="Daily accuracy, last 28 days")).to_be_visible()

    alerts = page.get_by_role("region", name="Open alerts")
    firing = alerts.get_by_test_id("open-alert").filter(has_text="Firing")
    expect(firing).to_contain_text("Accuracy below a floor")
    page.screenshot(path=WIDE_SCREENSHOT, full_page=True)

    firing.get_by_label("Note on the accuracy below a floor alert").fill("Looking into it today")
    firing.get_by_role("button", name="Acknowledge").click()

    expect(page.get_by_role("heading", name="Monitoring", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Alert acknowledged.")
    expect(firing).to_contain_text("acknowledged by")
    expect(firing.get_by_role("button", name="Acknowledge")).to_have_count(0)
    episode = AlertEpisode.objects.get(state=AlertEpisode.State.FIRING)
    assert (episode.acknowledged_by.username, episode.acknowledgement_note) == (
        "olivia",
        "Looking into it today",
    )

    page.set_viewport_size({"width": 390, "height": 844})
    expect(chart.locator("svg")).to_be_visible()
    page.screenshot(path=NARROW_SCREENSHOT, full_page=True)
