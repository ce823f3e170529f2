"""The consultant's journey through the real pages in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from maestro.demo.people import DEMO_PASSWORD
from maestro.demo.seed import demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGAGEMENT = "Procurement & support agents"
DETAIL_SCREENSHOT = "/tmp/maestro-detail.png"
NARROW_SCREENSHOT = "/tmp/maestro-detail-narrow.png"
NEW_SCREENSHOT = "/tmp/maestro-new.png"


def current_step(page: Page):
    return page.get_by_role("list", name="Phase timeline").locator("[aria-current=step]")


def log_in(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Wait for the next page, so that later key presses don't land on the login page.
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_consultant_moves_the_demo_engagement_to_advisory(live_server, page: Page):
    demo_seed()

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    log_in(page, "maria")

    expect(page.get_by_role("heading", name="Engagements", level=1)).to_be_visible()
    page.get_by_role("link", name=ENGAGEMENT).click()

    # The demo is mid-handoff (maestro/demo/handoff.py).
    expect(page.get_by_role("heading", name=ENGAGEMENT, level=1)).to_be_visible()
    expect(current_step(page)).to_contain_text("Handoff")
    history = page.get_by_role("table", name="Phase transitions, newest first")
    expect(history.locator("tbody tr")).to_have_count(3)
    expect(history.locator("tbody tr").first).to_contain_text("skill-transfer plan agreed")
    page.screenshot(path=DETAIL_SCREENSHOT, full_page=True)

    page.get_by_role("link", name="Move phase").click()
    advisory = page.locator(".move", has=page.get_by_label(re.compile("Forward to Advisory")))
    expect(advisory).to_contain_text("Gate fails")
    expect(advisory.locator(".check.fail")).to_contain_text("Readiness is 100%")
    expect(
        advisory.locator(".check.pass").filter(has_text="Shadow reviews agree enough")
    ).to_have_count(1)

    # Without an override the gate holds, and the page says why.
    page.get_by_role("button", name="Move phase").click()
    expect(page.get_by_role("alert")).to_contain_text("The gate to Advisory is not met")

    page.get_by_label("Override the failing gate").check()
    page.get_by_label("Override reason").fill("Playbook tuning signed off in the steering call.")
    page.get_by_role("button", name="Move phase").click()

    expect(page.get_by_role("status")).to_contain_text("Moved to Advisory.")
    expect(current_step(page)).to_contain_text("Advisory")
    newest = history.locator("tbody tr").first
    expect(newest).to_contain_text("Playbook tuning signed off in the steering call.")
    expect(history.locator("tbody tr")).to_have_count(4)


def test_detail_page_fits_a_phone_screen(live_server, page: Page):
    demo_seed()
    page.goto(live_server.url + "/login/")
    log_in(page, "maria")
    page.get_by_role("link", name=ENGAGEMENT).click()

    page.set_viewport_size({"width": 375, "height": 812})
    expect(current_step(page)).to_contain_text("Handoff")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=NARROW_SCREENSHOT, full_page=True)


def test_skip_link_is_the_first_stop_for_keyboard_users(live_server, page: Page):
    demo_seed()
    page.goto(live_server.url + "/login/")
    log_in(page, "maria")  # the login page itself puts focus in the username field

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_consultant_opens_a_new_engagement(live_server, page: Page):
    demo_seed()
    page.goto(live_server.url + "/login/")
    log_in(page, "maria")

    page.get_by_role("link", name="New engagement").click()
    expect(page.get_by_role("heading", name="New engagement", level=1)).to_be_visible()
    # Maria consults for two clients, so she picks one; she leads unless she says otherwise.
    page.get_by_label("Client").select_option(label="Northwind Supplies")
    page.get_by_label("Name").fill("Returns desk agent")
    page.get_by_label("Description").fill("Triage customer returns by reason and value.")
    expect(page.get_by_label("Target accuracy (%)")).to_have_value("85")
    page.get_by_label("Target accuracy (%)").fill("90")
    lead = page.get_by_label("Lead consultant").locator("option:checked")
    expect(lead).to_have_text("Maria Consultant (maria)")
    page.screenshot(path=NEW_SCREENSHOT, full_page=True)
    page.get_by_role("button", name="Create engagement").click()

    expect(page.get_by_role("heading", name="Returns desk agent", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("It starts in Mapping.")
    expect(current_step(page)).to_contain_text("Mapping")
    expect(page.get_by_text("90.0%")).to_be_visible()
