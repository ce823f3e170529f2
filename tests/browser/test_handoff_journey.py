"""The handoff, end to end in a real browser: the consultant opens the engagement's Handoff page,
follows its checklist to generate the handoff PDF, watches a real Celery worker on the `pdf`
queue take it to done and downloads it (the file is the one the page's SHA-256 names, a PDF
naming the engagement on its first page); then the sponsor logs in, signs the latest version
off on the Handoff page, and the checklist's sign-off item is met. Both pages fit a phone."""

import hashlib
import io
from pathlib import Path

import pypdf
import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import Page, expect

from handoff.models import HandoffDocument, HandoffSignOff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1440, "height": 900}

# Each answer the Handoff PDF page's script gets while it follows a generation, recorded in the
# tab's sessionStorage before the script reads it (the last one reloads the page).
RECORD_POLLS = """
const pageFetch = window.fetch;
window.fetch = async (input, init) => {
  const response = await pageFetch(input, init);
  if (/\\/api\\/handoff-documents\\/\\d+\\/$/.test(String(input))) {
    const answer = await response.clone().json();
    const polled = JSON.parse(sessionStorage.getItem("polled") || "[]");
    polled.push([answer.status, answer.progress_percent]);
    sessionStorage.setItem("polled", JSON.stringify(polled));
  }
  return response;
};
"""


def _log_in(page: Page, live_server, user) -> None:
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _open_handoff_page(page: Page, live_server, engagement) -> None:
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    sections = page.get_by_role("navigation", name="Engagement sections")
    sections.get_by_role("link", name="Handoff", exact=True).click()
    expect(page.get_by_role("heading", name="Handoff", level=1)).to_be_visible()


def _screenshots(page: Page, folder: Path, name: str) -> None:
    """At 390 and 1440 pixels, after checking nothing scrolls sideways on the phone."""
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.reload()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"
        page.screenshot(path=str(folder / f"{name}-{size['width']}.png"), full_page=True)


def test_the_consultant_generates_the_handoff_pdf_and_the_sponsor_signs_it_off(
    live_server, page: Page, world, celery_test_app, tmp_path
):
    """Screenshots (docs/screenshots/handoff-*.png, handoff-pdf-*.png) are left in tmp_path."""
    celery_test_app.set_default()  # the live server's thread publishes through the default app
    engagement = world.engagement_a
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(script=RECORD_POLLS)
    page.set_viewport_size(DESKTOP)

    # The consultant: the checklist says no PDF exists yet and links to where it is made.
    _log_in(page, live_server, world.consultant)
    _open_handoff_page(page, live_server, engagement)
    signed_off = page.get_by_test_id("check-handoff_signed_off")
    expect(signed_off).to_have_class("check fail")
    expect(signed_off).to_contain_text("No handoff PDF has been generated yet.")
    signed_off.get_by_role("link", name="Generate the handoff PDF").click()
    expect(page.get_by_role("heading", name="Handoff PDF", level=1)).to_be_visible()
    page.get_by_role("button", name="Generate a new version").click()

    document = HandoffDocument.objects.get(engagement=engagement)
    row = page.locator(f"#document-{document.pk}")
    expect(row.locator(".job-status")).to_have_text("Queued")
    with start_worker(
        celery_test_app, pool="solo", queues=["pdf"], perform_ping_check=False, shutdown_timeout=30
    ):
        download_link = page.get_by_role("link", name="Download version 1 (PDF)")
        expect(download_link).to_be_visible(timeout=90_000)

    # The page followed the job's progress to done, then showed the result.
    polled = page.evaluate("JSON.parse(sessionStorage.getItem('polled') || '[]')")
    assert polled and polled[-1] == ["succeeded", 100], polled
    percents = [percent for _, percent in polled]
    assert percents == sorted(percents), polled
    expect(row.locator(".job-status")).to_have_text("Succeeded")
    expect(row.locator("[data-document-progress]")).to_have_count(0)
    shown_sha256 = row.locator("code.sha256").inner_text()

    with page.expect_download() as download:
        download_link.click()
    content = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(content).hexdigest() == shown_sha256
    document.refresh_from_db()
    assert document.status == HandoffDocument.Status.SUCCEEDED
    assert document.sha256 == shown_sha256
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert len(reader.pages) == document.page_count
    assert engagement.name in reader.pages[0].extract_text()
    _screenshots(page, tmp_path, "handoff-pdf")

    # The sponsor signs the latest version off on the Handoff page.
    page.get_by_role("button", name="Log out").click()
    sponsor = world.sponsor_a
    _log_in(page, live_server, sponsor)
    _open_handoff_page(page, live_server, engagement)
    expect(page.get_by_test_id("document-version")).to_have_text("1")
    expect(page.get_by_test_id("document-sha256")).to_have_text(shown_sha256)
    expect(page.get_by_test_id("waiting-for")).to_contain_text("a sponsor of the client")
    page.get_by_role("button", name="Sign off version 1 as sponsor").click()

    expect(page.get_by_text("You signed off version 1 of the handoff document.")).to_be_visible()
    sign_off = page.get_by_test_id("sign-off")
    expect(sign_off).to_have_count(1)
    expect(sign_off).to_contain_text(f"{sponsor} (sponsor)")
    expect(page.get_by_test_id("signed-off")).to_have_text("Signed off")
    signed_off = page.get_by_test_id("check-handoff_signed_off")
    expect(signed_off).to_have_class("check pass")
    expect(signed_off).to_contain_text(f"Version 1 is signed off by {sponsor}.")
    expect(page.get_by_role("button", name="Sign off version 1 as sponsor")).to_have_count(0)
    saved = HandoffSignOff.objects.get(document=document)
    assert (saved.signed_by, saved.role, saved.sha256) == (sponsor, "sponsor", shown_sha256)
    _screenshots(page, tmp_path, "handoff")
    assert errors == []
