"""The handoff PDF page in a real browser: a consultant generates a version, the page's script
follows it by section through the API (no reload, no Content-Security-Policy violation), and
once a real Celery worker on the `pdf` queue is done the page offers the download, whose bytes
match the SHA-256 it shows. It fits a phone."""

import hashlib
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import Page, expect

from handoff.document.sections import sections
from handoff.models import HandoffDocument

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def test_a_consultant_generates_follows_and_downloads_the_pdf(
    live_server, page: Page, world, celery_test_app, tmp_path
):
    """Screenshots (docs/screenshots/handoff-pdf-*.png) are left in the test's tmp_path."""
    celery_test_app.set_default()  # the live server's thread publishes through the default app
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(world.consultant.username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"{live_server.url}/engagements/{world.engagement_a.pk}/")
    page.get_by_role("link", name="Handoff PDF").click()
    expect(page.get_by_role("heading", name="Handoff PDF", level=1)).to_be_visible()
    page.get_by_role("button", name="Generate a new version").click()

    document = HandoffDocument.objects.get()
    row = page.locator(f"#document-{document.pk}")
    expect(row.locator(".job-status")).to_have_text("Queued")
    expect(row.locator("[data-progress-text]")).to_have_text("Waiting for a worker…")
    expect(page.get_by_role("button", name="Generate a new version")).to_be_disabled()

    # No worker yet: play the worker's progress and watch the page pick it up without a reload.
    HandoffDocument.objects.filter(pk=document.pk).update(
        status="running", sections_done=4, current_section="Training history"
    )
    total = len(sections())
    expect(row.locator("[data-progress-text]")).to_have_text(f"5 of {total}: Training history")
    expect(row.locator(".job-status")).to_have_text("Running")
    expect(row.locator("progress")).to_have_js_property("value", 400 // total)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(tmp_path / "handoff-pdf-running-1440.png"), full_page=True)
    HandoffDocument.objects.filter(pk=document.pk).update(
        status="queued", sections_done=0, current_section=""
    )

    with start_worker(
        celery_test_app, pool="solo", queues=["pdf"], perform_ping_check=False, shutdown_timeout=30
    ):
        download_link = page.get_by_role("link", name="Download version 1 (PDF)")
        expect(download_link).to_be_visible(timeout=90_000)

    document.refresh_from_db()
    expect(row.locator(".job-status")).to_have_text("Succeeded")
    expect(row.locator("code.sha256")).to_have_text(document.sha256)
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == "acme-a-agents-handoff-v1.pdf"
    content = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert errors == []

    # The print preview: the document's HTML under its own policy (any violation fails the
    # test); its <style> elements apply, since the policy names their hashes.
    href = page.get_by_role("link", name="Print preview").get_attribute("href")
    preview = page.goto(live_server.url + href)
    assert preview is not None and preview.ok
    assert "'sha256-" in preview.headers["content-security-policy"]
    applied = page.evaluate("[...document.querySelectorAll('style')].map(s => s.sheet !== null)")
    assert applied and all(applied), applied
    page.go_back()

    # A phone: nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "handoff-pdf-390.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.reload()
    page.screenshot(path=str(tmp_path / "handoff-pdf-1440.png"), full_page=True)
