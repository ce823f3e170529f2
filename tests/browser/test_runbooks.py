"""Runbooks in a real browser: a hostile runbook runs no script, and a consultant edits a
runbook, reads the diff and works through its checklist."""

import re

import pytest
from playwright.sync_api import Page, expect

from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from maestro.tenancy.models import User
from runbooks import services
from runbooks.models import Runbook
from tests.browser.test_journey import ENGAGEMENT, log_in
from tests.runbooks.test_rendering import XSS_CORPUS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Payloads aimed at what the test watches: a global, the title, dialogs.
CANARIES = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned='img'; document.title='pwned'\">",
    "<svg onload=\"window.__pwned='svg'\"></svg>",
    "[click me](javascript:window.__pwned='link')",
    '<a href="jav&#x09;ascript:window.__pwned=\'entity\'" id="h-bait">entity link</a>',
    "<details open ontoggle=\"window.__pwned='toggle'\">x</details>",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    "<input autofocus onfocus=\"window.__pwned='focus'\">",
    '<p style="position:fixed;inset:0;background:red">overlay</p>',
    "![beacon](https://evil.example/beacon.png)",
]


def watch(page: Page, origin: str) -> dict:
    seen: dict = {"dialogs": [], "outside": []}
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on(
        "request",
        lambda r: None if r.url.startswith((origin, "data:")) else seen["outside"].append(r.url),
    )
    return seen


def assert_nothing_ran(page: Page, seen: dict, title: str) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # give onload/onerror/ontoggle handlers their chance
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.title() == title
    assert seen["dialogs"] == []
    assert seen["outside"] == []


def test_hostile_runbook_runs_no_script(live_server, page: Page):
    demo_seed()
    engagement = Engagement.objects.get(name=ENGAGEMENT)
    maria = User.objects.get(username="maria")
    body = "# Hostile\n\n## Section\n\n" + "\n\n".join(CANARIES + XSS_CORPUS)
    services.runbook_create(
        engagement=engagement, title="Hostile", slug="hostile", body=body, by=maria
    )
    seen = watch(page, live_server.url)

    page.goto(live_server.url + "/login/")
    log_in(page, "maria")
    page.goto(live_server.url + f"/engagements/{engagement.pk}/runbooks/hostile/")
    expect(page.get_by_role("heading", name="Hostile", level=1, exact=True)).to_be_visible()
    # The links lost their href: text without a link role, and clicking them does nothing.
    expect(page.get_by_text("click me")).to_be_visible()
    expect(page.get_by_role("link", name="click me")).to_have_count(0)
    assert_nothing_ran(page, seen, "Hostile · Maestro")
    page.get_by_text("click me").click()
    page.get_by_text("entity link").click()
    assert_nothing_ran(page, seen, "Hostile · Maestro")

    # The editor's preview inserts the server's sanitised fragment into the page.
    page.get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("overlay")
    assert_nothing_ran(page, seen, "Edit · Hostile · Maestro")


def test_consultant_edits_a_runbook_sees_the_diff_and_runs_its_checklist(live_server, page: Page):
    demo_seed()
    page.goto(live_server.url + "/login/")
    log_in(page, "maria")
    page.get_by_role("link", name=ENGAGEMENT).click()
    page.get_by_role("link", name="Runbooks").click()
    expect(page.get_by_role("heading", name="Runbooks", level=1)).to_be_visible()
    page.get_by_role("table").get_by_role("link", name="Monitoring", exact=True).click()
    expect(page.get_by_role("navigation", name="Contents")).to_contain_text("Every morning")

    page.get_by_role("link", name="Edit").click()
    body = page.get_by_label("Body")
    body.fill(
        body.input_value().replace(
            "- [ ] Confirm the review queue",
            "- [ ] Compare the weekly accuracy chart with the target\n"
            "- [ ] Confirm the review queue",
        )
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("Compare the weekly accuracy chart")
    page.get_by_label("What changed").fill("Add the weekly chart check")
    page.get_by_role("button", name="Save version").click()
    expect(page.get_by_role("status")).to_contain_text("Saved version 2.")
    expect(page.locator(".notice")).to_contain_text("Version 2 is not published yet")

    page.get_by_role("link", name="See what changed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes from version 1 to version 2")
    expect(page.locator("table.diff tr.insert ins")).to_contain_text(
        "Compare the weekly accuracy chart"
    )
    page.get_by_role("link", name="History").first.click()
    expect(page.locator("tbody tr").first).to_contain_text("Add the weekly chart check")

    page.get_by_role("link", name="Monitoring").first.click()
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_role("status")).to_contain_text("Published version 2.")
    page.get_by_role("button", name="Start a run").click()

    checklist = page.get_by_role("list", name="Checklist")
    expect(checklist.locator("li")).to_have_count(5)
    for i in range(5):
        page.get_by_role("button", name=re.compile(r"^Tick: ")).first.click()
        expect(checklist.locator("li.done")).to_have_count(i + 1)
    expect(checklist.locator("li").first).to_contain_text("Ticked by Maria Consultant")
    page.get_by_role("button", name="Complete run").click()
    expect(page.get_by_role("status")).to_contain_text("The run is completed.")
    runbook = Runbook.objects.get(engagement__name=ENGAGEMENT, slug="monitoring")
    assert [r.status for r in runbook.runs.order_by("started_at")] == [
        "in_progress",
        "completed",
    ]
