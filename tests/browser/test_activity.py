"""The Activity page in a real browser, on the demo's history: the operator reads who changed
what, narrows it to one kind of event, and the page fits a 390-pixel phone screen."""

import pytest
from playwright.sync_api import Page, expect

from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from tests.browser.test_journey import ENGAGEMENT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE_SCREENSHOT = "/tmp/maestro-activity.png"
NARROW_SCREENSHOT = "/tmp/maestro-activity-narrow.png"


def test_the_operator_reads_and_filters_the_activity_on_a_phone(live_server, page: Page):
    demo_seed()
    page.goto(live_server.url)
    log_in(page, "olivia")  # an operator lands on her queue
    engagement = Engagement.objects.get(name=ENGAGEMENT)
    page.goto(live_server.url + engagement.get_absolute_url())
    page.get_by_role("navigation", name="Engagement sections").get_by_role(
        "link", name="Activity"
    ).click()

    expect(page.get_by_role("heading", name="Activity", level=1)).to_be_visible()
    table = page.get_by_role("table", name=f"Activity of {ENGAGEMENT}, newest first")
    expect(table.locator("tbody tr").first).to_be_visible()
    page.screenshot(path=WIDE_SCREENSHOT, full_page=True)

    page.get_by_label("What").select_option(label="Phase changed")
    page.get_by_role("button", name="Filter").click()
    rows = table.locator("tbody tr")
    expect(rows.first).to_contain_text("Phase changed")
    assert set(rows.locator("th").all_inner_texts()) == {"Phase changed"}
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href",
        f"/api/engagements/{page.url.split('/')[-3]}/activity/export/?event=engagement.phase_changed",
    )

    page.set_viewport_size({"width": 390, "height": 844})
    expect(rows.first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=NARROW_SCREENSHOT, full_page=True)
