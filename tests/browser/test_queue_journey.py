"""The operator's morning in a real browser: Olivia logs in, lands on her queue (its count in
the navigation), and works three tasks with the keyboard only, "resolve and next" taking her
from one to the following, then back to the queue when the filtered queue is empty."""

import re

import pytest
from playwright.sync_api import Page, expect

from maestro.demo.seed import demo_seed
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import User
from tests.browser.test_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_resolves_three_tasks_with_the_keyboard(live_server, page: Page):
    demo_seed()
    olivia = User.objects.get(username="olivia")
    open_before = ReviewTask.objects.filter(assignee=olivia, status="open").count()
    assert open_before >= 5

    page.goto(live_server.url + "/login/")
    log_in(page, "olivia")

    expect(page).to_have_url(re.compile(r"/queue/$"))
    expect(page.get_by_role("heading", name="My queue")).to_be_visible()
    badge = page.get_by_test_id("queue-badge")
    expect(badge).to_have_text(re.compile(rf"^{open_before}\s*open$"))
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()

    # The escalated decisions only (the demo also gives her a drift investigation).
    page.get_by_label("Kind").select_option("escalated_decision")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"kind=escalated_decision"))
    decisions = ReviewTask.objects.filter(
        assignee=olivia, status="open", kind="escalated_decision"
    ).count()
    assert decisions >= 4

    # j selects the first row, Enter opens it.
    page.keyboard.press("j")
    expect(page.locator("tr.is-selected")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/review-tasks/\d+/\?queue="))

    resolved = []
    for _ in range(3):
        task_id = int(re.search(r"/review-tasks/(\d+)/", page.url).group(1))
        expect(page.get_by_role("button", name="Resolve and next")).to_be_visible()
        page.keyboard.press("1")  # the first outcome: the agent's proposal
        expect(page.locator("input[name=outcome]").first).to_be_checked()
        page.keyboard.press("r")
        expect(page.locator(".messages")).to_contain_text("Resolved:")
        expect(page).not_to_have_url(re.compile(rf"/review-tasks/{task_id}/"))
        resolved.append(task_id)

    # The fourth task is open; three are resolved, by Olivia.
    expect(page).to_have_url(re.compile(r"/review-tasks/\d+/\?queue="))
    tasks = ReviewTask.objects.filter(pk__in=resolved)
    assert [t.status for t in tasks] == ["resolved"] * 3
    assert {t.resolved_by_id for t in tasks} == {olivia.pk}
    assert ReviewTask.objects.filter(assignee=olivia, status="open").count() == open_before - 3

    # u goes back to the same filtered queue; its badge and count moved with her work.
    page.keyboard.press("u")
    expect(page).to_have_url(re.compile(r"/queue/\?kind=escalated_decision$"))
    expect(page.get_by_test_id("open-count")).to_have_text(str(open_before - 3))
    expect(page.get_by_test_id("queue-badge")).to_have_text(
        re.compile(rf"^{open_before - 3}\s*open$")
    )


def test_the_queue_and_task_pages_work_without_javascript(live_server, browser):
    demo_seed()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    log_in(page, "olivia")
    expect(page).to_have_url(re.compile(r"/queue/$"))
    page.get_by_label("Sort by").select_option("amount")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"sort=amount"))
    page.locator("[data-queue-link]").first.click()
    task_id = int(re.search(r"/review-tasks/(\d+)/", page.url).group(1))
    page.get_by_role("button", name="Resolve and next").click()
    expect(page.locator(".messages")).to_contain_text("Resolved:")
    assert ReviewTask.objects.get(pk=task_id).status == "resolved"
    context.close()
