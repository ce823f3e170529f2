"""A playbook dry run in a real browser: the job page's script follows the job through the API
(the bar moves without a reload) and shows the result once a real Celery worker is done."""

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import Page, expect

from maestro.playbooks.models import DryRunJob
from tests.mapping.factories import ProcessFactory
from tests.playbooks.test_dry_runs import save, seven_cases

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def test_job_page_follows_the_job_and_shows_the_result(
    live_server, page: Page, world, celery_test_app
):
    process = ProcessFactory(engagement=world.engagement_a, name="Purchases")
    rnd = seven_cases(process)
    save(process, world.consultant)
    # The live server's thread publishes through Celery's default app; start_worker would make
    # the test app the default, but here the worker starts only after the job is queued.
    celery_test_app.set_default()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(world.operator_a.username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"{live_server.url}/processes/{process.pk}/playbook/dry-run/")
    page.get_by_label("Training round").select_option(str(rnd.pk))
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".job-status")).to_have_text("Queued")
    expect(page.locator("#dry-run-progress [aria-live]")).to_have_text("0 of 7 cases routed.")

    # No worker yet: play the worker's progress report and watch the page pick it up.
    job = DryRunJob.objects.get()
    DryRunJob.objects.filter(pk=job.pk).update(status="running", cases_done=4)
    expect(page.locator("#dry-run-progress [aria-live]")).to_have_text("4 of 7 cases routed.")
    expect(page.locator(".job-status")).to_have_text("Running")
    expect(page.locator("#dry-run-progress progress")).to_have_js_property("value", 57)
    DryRunJob.objects.filter(pk=job.pk).update(status="queued", cases_done=0)

    with start_worker(celery_test_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        expect(page.locator("#dry-run-result [data-figure=cases]")).to_have_text(
            "7", timeout=30_000
        )
    expect(page.locator("#dry-run-result [data-figure=human]")).to_have_text("2 (28.6%)")
    expect(page.locator("#dry-run-progress")).to_have_count(0)
    assert errors == []
