"""The consultant records a check-in in a real browser, on the demo's mid-handoff engagement:
maria opens olivia's plan at 75% readiness, opens the next scheduled check-in, records it with
the last competency at its target, and the plan reads 100%."""

import re

import pytest
from playwright.sync_api import Page, expect

from handoff.models import CheckIn, Competency
from maestro.demo.seed import demo_seed
from tests.browser.test_journey import ENGAGEMENT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consultant_records_a_check_in_and_sees_readiness_move(live_server, page: Page):
    demo_seed()
    page.goto(live_server.url)
    log_in(page, "maria")
    page.get_by_role("link", name=ENGAGEMENT).click()
    page.get_by_role("navigation", name="Engagement sections").get_by_role(
        "link", name="Skill transfer", exact=True
    ).click()
    page.get_by_role("link", name=re.compile("olivia", re.I)).first.click()

    readiness = page.get_by_role("region", name="Readiness")
    expect(readiness).to_contain_text("Readiness 75% (3 of 4 competencies at target)")
    expect(page.get_by_role("region", name="Past check-ins")).to_contain_text("Missed")

    page.get_by_role("region", name="Upcoming check-ins").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("Check-in with"), level=1)).to_be_visible()
    # The last competency below its target: Playbook tuning, from shadow to solo.
    tuning = Competency.objects.get(plan__operator__username="olivia", name="Playbook tuning")
    assert not tuning.at_target
    page.locator(f"input[name=stage_{tuning.pk}][value=solo]").check()
    page.get_by_label("Notes").fill("Olivia tuned the security band herself.")
    page.get_by_role("button", name="Record check-in").click()

    expect(page.get_by_role("region", name="What was recorded")).to_be_visible()
    recorded = CheckIn.objects.filter(status=CheckIn.Status.RECORDED).order_by("-scheduled_at")
    assert recorded.first().readiness == 1

    page.goto(live_server.url + f"/skill-plans/{tuning.plan_id}/")
    expect(page.get_by_role("region", name="Readiness")).to_contain_text(
        "Readiness 100% (4 of 4 competencies at target)"
    )
