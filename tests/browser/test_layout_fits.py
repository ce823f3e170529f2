"""The pages of the training, runbook and mapping areas fit a 390 px phone without sideways
scrolling, the decision types' actions stay on their card at 1440 px, the Economics labels do
not overlap on a phone, and /api/docs/ works with no network beyond the site itself."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.playbooks.models import EscalationPlaybook
from maestro.tenancy.models import User
from maestro.training.models import TrainingRound
from runbooks import services as runbook_services
from runbooks.models import Runbook
from tests.browser.test_journey import ENGAGEMENT, log_in
from tests.mapping.factories import ProcessFactory
from tests.playbooks.test_dry_runs import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1440, "height": 900}


def _pages() -> list[str]:
    """The main pages of these areas, on the demo data (plus a runbook with two versions and
    a process with a playbook but no round, for the diff and the dry run's empty state)."""
    engagement = Engagement.objects.get(name=ENGAGEMENT)
    maria = User.objects.get(username="maria")
    first, second = TrainingRound.objects.order_by("number")[:2]
    runbook = Runbook.objects.filter(engagement=engagement).order_by("pk").first()
    head = runbook.versions.get(number=runbook.head)
    runbook_services.runbook_save(
        runbook=runbook,
        title=head.title,
        body=head.body.replace("the", "every", 1)
        + "\n\nA long added line with unbreakable-words-like-this-one-that-go-on-and-on-and-on "
        "and <b>markup</b> that must wrap on a phone instead of widening the page.\n",
        message="Wording",
        base_version=runbook.head,
        by=maria,
    )
    procurement = Process.objects.get(engagement=engagement, name="Procurement approval")
    no_round = ProcessFactory(engagement=engagement, name="Supplier onboarding")
    save(no_round, maria)
    assert EscalationPlaybook.objects.filter(process=no_round).exists()
    return [
        f"/rounds/{first.pk}/",
        f"/rounds/{first.pk}/compare/{second.pk}/",
        f"/processes/{procurement.pk}/",
        f"/engagements/{engagement.pk}/runbooks/{runbook.slug}/diff/",
        f"/engagements/{engagement.pk}/runbooks/{runbook.slug}/",
        f"/engagements/{engagement.pk}/decision-types/",
        f"/processes/{no_round.pk}/playbook/dry-run/",
        f"/engagements/{engagement.pk}/",
    ]


def test_main_pages_do_not_scroll_sideways_on_a_phone(live_server, page: Page):
    demo_seed()
    paths = _pages()
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/login/")
    log_in(page, "maria")
    wide = {}
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = width
    assert wide == {}, f"wider than {PHONE['width']} px: {wide}"


def test_decision_type_actions_stay_on_the_card_at_1440(live_server, page: Page):
    demo_seed()
    engagement = Engagement.objects.get(name=ENGAGEMENT)
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/login/")
    log_in(page, "maria")
    page.goto(live_server.url + f"/engagements/{engagement.pk}/decision-types/")
    card = page.locator("section.card", has=page.locator("table.decision-type-table"))
    card_box = card.bounding_box()
    edits = page.get_by_role("link", name="Edit")
    expect(edits.first).to_be_visible()
    for i in range(edits.count()):
        box = edits.nth(i).bounding_box()
        assert box["x"] + box["width"] <= card_box["x"] + card_box["width"], (box, card_box)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_economics_labels_do_not_overlap_on_a_phone(live_server, page: Page):
    demo_seed()
    engagement = Engagement.objects.get(name=ENGAGEMENT)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/login/")
    log_in(page, "maria")
    page.goto(live_server.url + f"/engagements/{engagement.pk}/")
    # Each cell is at least as tall as its (possibly two-line) label, and cells follow each
    # other down the card without overlapping.
    overlaps = page.evaluate(
        """() => {
          const out = [];
          for (const row of document.querySelectorAll("table.economics tr")) {
            const cells = [...row.querySelectorAll("th[data-label], td[data-label]")]
              .filter((c) => c.offsetParent !== null);
            for (const cell of cells) {
              const label = parseFloat(getComputedStyle(cell, "::before").height) || 0;
              if (cell.getBoundingClientRect().height + 0.5 < label) out.push(cell.dataset.label);
            }
            for (let i = 1; i < cells.length; i++) {
              const a = cells[i - 1].getBoundingClientRect(), b = cells[i].getBoundingClientRect();
              if (b.top + 0.5 < a.bottom) out.push(cells[i].dataset.label);
            }
          }
          return out;
        }"""
    )
    assert overlaps == []
    assert page.locator("table.economics td[data-label]").count() > 0


def test_api_docs_load_with_no_network_beyond_the_site(live_server, page: Page):
    demo_seed()
    requested: list[str] = []
    site = urlsplit(live_server.url).netloc

    def only_the_site(route):
        requested.append(route.request.url)
        if urlsplit(route.request.url).netloc == site:
            route.continue_()
        else:
            route.abort()  # as without internet: a CDN asset would leave the page blank

    page.route("**/*", only_the_site)
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Maestro API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert [u for u in requested if urlsplit(u).netloc != site] == []
