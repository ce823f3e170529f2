"""The Handoff page and the verify page in a real browser, on the demo: the sponsor reads the
checklist, signs off the latest handoff PDF with the button, and verifies the file by its
SHA-256; both pages fit a 390-pixel phone without sideways scrolling, and a 1440-pixel screen."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from handoff.models import HandoffDocument, HandoffSignOff
from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from tests.browser.test_journey import ENGAGEMENT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1440, "height": 900}
SCREENSHOTS = "/tmp/maestro-handoff-{page}-{width}.png"


def _document(engagement: Engagement) -> HandoffDocument:
    """The demo's latest succeeded handoff PDF, or a small one made for the test."""
    latest = (
        HandoffDocument.objects.filter(engagement=engagement, status="succeeded")
        .order_by("-version")
        .first()
    )
    if latest is not None:
        return latest
    content = b"%PDF-1.7\n% the browser test's handoff document\n%%EOF\n"
    document = HandoffDocument(
        engagement=engagement,
        version=1 + HandoffDocument.objects.filter(engagement=engagement).count(),
        status=HandoffDocument.Status.SUCCEEDED,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        page_count=30,
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    document.file.save("handoff.pdf", ContentFile(content), save=False)
    document.save()
    return document


def _fits(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"


def test_the_sponsor_signs_off_and_verifies_on_a_phone_and_a_screen(live_server, page: Page):
    demo_seed()
    engagement = Engagement.objects.get(name=ENGAGEMENT)
    document = _document(engagement)
    HandoffSignOff.objects.filter(document=document, signed_by__username="sam").delete()
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/login/")
    log_in(page, "sam")
    handoff = f"{live_server.url}/engagements/{engagement.pk}/handoff/"

    page.goto(handoff)
    sections = page.get_by_role("navigation", name="Engagement sections")
    expect(sections.get_by_role("link", name="Handoff", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_test_id("checklist")).to_contain_text("Ready to step out?")
    expect(page.get_by_test_id("document-sha256")).to_have_text(document.sha256)
    for width in (DESKTOP, PHONE):
        page.set_viewport_size(width)
        _fits(page)
        page.screenshot(path=SCREENSHOTS.format(page="page", width=width["width"]), full_page=True)

    page.get_by_role("button", name=f"Sign off version {document.version} as sponsor").click()
    expect(page.get_by_text(f"You signed off version {document.version}")).to_be_visible()
    expect(page.get_by_test_id("sign-off").filter(has_text="(sponsor)")).to_have_count(1)
    assert HandoffSignOff.objects.filter(document=document, signed_by__username="sam").exists()
    _fits(page)

    page.get_by_role("link", name="Verify a copy").click()
    expect(page.get_by_test_id("verify-answer")).to_contain_text(
        f"Known document: version {document.version} of {ENGAGEMENT}"
    )
    for width in (PHONE, DESKTOP):
        page.set_viewport_size(width)
        _fits(page)
        page.screenshot(
            path=SCREENSHOTS.format(page="verify", width=width["width"]), full_page=True
        )
    page.get_by_label("SHA-256").fill("not-a-hash")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("64 hexadecimal characters")
    _fits(page)
