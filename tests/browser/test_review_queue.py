"""The review queue in a real browser: the agent posts a decision to the intake API with its
API key, the operator finds it in her queue, overrules the agent, and the engagement page's
deployment metrics (open tasks, reviewed decisions, override rate) move with it."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from maestro.decisions.services import agent_api_key_create
from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.tenancy.models import User
from tests.browser.test_journey import ENGAGEMENT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE_SCREENSHOT = "/tmp/maestro-review-queue.png"
TASK_SCREENSHOT = "/tmp/maestro-review-task.png"


def post_decision(base_url: str, secret: str, body: dict) -> dict:
    """What the agent does: a plain HTTP POST with its key, no session, no CSRF token."""
    request = urllib.request.Request(
        base_url + "/api/decisions/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)
        return json.loads(response.read())


def deployment_metrics(page: Page, url: str) -> dict:
    """Open tasks, reviewed decisions and the override rate (%) from the engagement page."""
    page.goto(url)
    panel = page.get_by_role("region", name="Deployment")
    expect(panel).to_be_visible()
    reviewed = re.search(r"of (\d+) reviewed", panel.inner_text())
    assert reviewed is not None
    return {
        "open": int(page.locator("#deployment-open").inner_text()),
        "reviewed": int(reviewed.group(1)),
        "override_rate": float(page.locator("#deployment-override").inner_text().rstrip("%")),
    }


def test_posted_decision_is_reviewed_and_overridden_by_the_operator(live_server, page: Page):
    demo_seed()
    engagement = Engagement.objects.get(name=ENGAGEMENT)
    process = Process.objects.get(engagement=engagement, name="Procurement approval")
    _, secret = agent_api_key_create(
        engagement=engagement, name="journey agent", by=User.objects.get(username="maria")
    )

    answer = post_decision(
        live_server.url,
        secret,
        {
            "process": process.pk,
            "case_ref": "PO-JOURNEY-1",
            "category": "office supplies",
            "proposed_outcome": "approve",
            "confidence": "0.41",
            "amount": "1200.00",
            "currency": "USD",
            "counterparty": "Initech",
            "payload": {"note": "<b>rush</b> order"},
        },
    )
    assert answer["route"] == "human"
    assert answer["review_task"] is not None

    page.goto(live_server.url + "/login/")
    log_in(page, "olivia")
    before = deployment_metrics(page, live_server.url + engagement.get_absolute_url())
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My queue").click()
    expect(page.get_by_role("heading", name="My queue", level=1)).to_be_visible()
    open_before = int(page.get_by_test_id("open-count").inner_text())
    assert open_before >= 1
    row = page.get_by_role("row", name=re.compile("PO-JOURNEY-1"))
    expect(row).to_contain_text("approve")
    page.screenshot(path=QUEUE_SCREENSHOT, full_page=True)

    row.get_by_role("link", name=re.compile("PO-JOURNEY-1")).click()
    expect(page.get_by_role("heading", name=re.compile("PO-JOURNEY-1"), level=1)).to_be_visible()
    expect(page.get_by_test_id("proposal")).to_have_text("approve")
    expect(page.get_by_text("Initech", exact=True)).to_be_visible()
    # The payload is shown as text, never as markup.
    expect(page.locator(".payload")).to_contain_text("<b>rush</b> order")
    for reason in answer["reasons"]:
        expect(page.get_by_text(reason["message"])).to_be_visible()
    page.screenshot(path=TASK_SCREENSHOT, full_page=True)

    resolve = page.get_by_role("region", name="Resolve")
    resolve.get_by_label("Other (type it below)").check()
    resolve.get_by_label("Other outcome").fill("reject")
    resolve.get_by_label("Note").fill("Initech is not an approved supplier.")
    task_url = page.url.split("?")[0]
    # Reached from the queue: "Resolve and next" leads on to her next task.
    resolve.get_by_role("button", name="Resolve and next").click()

    expect(page.get_by_role("status")).to_contain_text("an override of the agent")
    expect(page).not_to_have_url(re.compile(re.escape(task_url)))
    page.goto(task_url)
    expect(page.get_by_test_id("task-status")).to_have_text("Resolved")
    expect(page.get_by_test_id("final-outcome")).to_contain_text("reject")
    expect(page.get_by_test_id("final-outcome")).to_contain_text("Override")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My queue").click()
    expect(page.get_by_test_id("open-count")).to_have_text(str(open_before - 1))
    expect(page.get_by_role("row", name=re.compile("PO-JOURNEY-1"))).to_have_count(0)

    # The engagement page's deployment metrics count it: one task fewer open, one more
    # reviewed decision, and the override rate moves up.
    after = deployment_metrics(page, live_server.url + engagement.get_absolute_url())
    assert after["open"] == before["open"] - 1
    assert after["reviewed"] == before["reviewed"] + 1
    assert after["override_rate"] > before["override_rate"]

    # The engagement's review tasks now list it resolved, as an override.
    page.goto(live_server.url + f"/engagements/{engagement.pk}/review-tasks/?status=resolved")
    resolved = page.get_by_role("row", name=re.compile("PO-JOURNEY-1"))
    expect(resolved).to_contain_text("reject")
    expect(resolved).to_contain_text("Override")
