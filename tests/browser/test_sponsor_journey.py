"""A sponsor in a real browser, on the demo: Sam logs in, lands on the engagement's executive
summary, reads the key figures first, and is offered no consultant tooling; the summary fits a
390-pixel phone without sideways scrolling."""

import pytest
from playwright.sync_api import Page, expect

from maestro.demo.seed import demo_seed
from tests.browser.test_journey import ENGAGEMENT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE_SCREENSHOT = "/tmp/maestro-sponsor-summary-1440.png"
NARROW_SCREENSHOT = "/tmp/maestro-sponsor-summary-390.png"


def test_the_sponsor_lands_on_the_summary_and_reads_the_key_figures(live_server, page: Page):
    demo_seed()
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server.url)
    log_in(page, "sam")

    expect(page.get_by_role("heading", name=ENGAGEMENT, level=1)).to_be_visible()
    expect(page.get_by_text("Executive summary")).to_be_visible()
    assert page.url.endswith("/summary/")
    figures = page.get_by_role("region", name="Key figures")
    accuracy = figures.get_by_test_id("figure-accuracy")
    expect(accuracy).to_contain_text("Accuracy this week")
    expect(accuracy).to_contain_text("92.3%")
    expect(accuracy).to_contain_text("target 85.0%")
    expect(figures.get_by_test_id("figure-hours_freed")).to_contain_text("FTE")
    expect(figures.get_by_test_id("figure-automation_rate")).to_contain_text("%")
    expect(figures.get_by_test_id("figure-override_rate")).to_contain_text("%")
    expect(figures.get_by_test_id("figure-risks")).to_contain_text("firing drift alert")
    expect(page.get_by_test_id("trend-sentence")).to_have_text(
        "92.3% correct decisions this week, down from 94.1%"
    )
    expect(page.locator(".summary-chart svg").first).to_be_visible()
    # Figures come first: the key figures sit above the phase timeline.
    figures_top = figures.bounding_box()["y"]
    timeline_top = page.get_by_role("list", name="Phase timeline").bounding_box()["y"]
    assert figures_top < timeline_top

    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Status")).to_have_count(0)
    expect(main_nav.get_by_role("link", name="API")).to_have_count(0)
    sections = page.get_by_role("navigation", name="Engagement sections")
    expect(sections.get_by_role("link", name="Summary")).to_have_attribute("aria-current", "page")
    expect(sections.get_by_role("link", name="Webhooks")).to_have_count(0)
    expect(sections.get_by_role("link", name="Agent API keys")).to_have_count(0)
    page.screenshot(path=WIDE_SCREENSHOT, full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    expect(accuracy).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.screenshot(path=NARROW_SCREENSHOT, full_page=True)
