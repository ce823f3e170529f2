"""Every main page of the demo, for each role (consultant, operator, sponsor), in one browser
with one log-in per role: axe-core finds no serious or critical violation (colour contrast
included), and at 390 px nothing scrolls sideways.

axe-core comes bundled with axe-playwright-python (its axe.min.js); nothing is fetched."""

import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from handoff.models import CheckIn, Competency, ShadowCase, SkillTransferPlan
from maestro.decisions.models import Decision
from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from maestro.mapping.models import DecisionType, Process
from maestro.monitoring.models import AlertEpisode
from maestro.reviews.models import ReviewTask
from maestro.training.models import TrainingRound
from runbooks.models import Runbook, RunbookRun
from tests.browser.test_journey import ENGAGEMENT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1440, "height": 900}
BLOCKING = {"serious", "critical"}

CONSULTANT, OPERATOR, SPONSOR = "maria", "olivia", "sam"
EVERYONE = frozenset({CONSULTANT, OPERATOR, SPONSOR})
WORKERS = frozenset({CONSULTANT, OPERATOR})
CONSULTANTS = frozenset({CONSULTANT})


def _main_pages() -> list[tuple[str, frozenset[str]]]:
    """(path, who opens it) for the main pages of the demo's Northwind engagement and the pages
    outside any engagement (queue, people, calendar, status), as the navigation offers them."""
    engagement = Engagement.objects.select_related("client").get(name=ENGAGEMENT)
    e, client = f"/engagements/{engagement.pk}", engagement.client
    process = Process.objects.get(engagement=engagement, name="Procurement approval")
    first, second = TrainingRound.objects.filter(dataset__process__engagement=engagement).order_by(
        "number"
    )[:2]
    decision = Decision.objects.filter(process__engagement=engagement).order_by("pk").first()
    task = (
        ReviewTask.objects.filter(engagement=engagement, status=ReviewTask.Status.OPEN)
        .order_by("pk")
        .first()
    )
    runbook = Runbook.objects.get(engagement=engagement, slug="monitoring")
    run = RunbookRun.objects.filter(runbook=runbook).first()
    plan = SkillTransferPlan.objects.get(engagement=engagement)
    check_in = CheckIn.objects.filter(plan=plan, status=CheckIn.Status.SCHEDULED).first()
    shadow = ShadowCase.objects.filter(plan=plan).order_by("pk").first()
    decision_type = DecisionType.objects.filter(engagement=engagement).order_by("pk").first()
    competency = Competency.objects.filter(plan=plan).order_by("pk").first()
    episode = AlertEpisode.objects.filter(engagement=engagement).first()
    pages = [
        ("/", EVERYONE),
        (f"{e}/", EVERYONE),
        (f"{e}/summary/", EVERYONE),
        (f"{e}/edit/", CONSULTANTS),
        (f"{e}/transition/", CONSULTANTS),
        (f"{e}/activity/", EVERYONE),
        (f"{e}/processes/", EVERYONE),
        (f"/processes/{process.pk}/", EVERYONE),
        (f"/processes/{process.pk}/playbook/", EVERYONE),
        (f"/processes/{process.pk}/playbook/edit/", CONSULTANTS),
        (f"/processes/{process.pk}/playbook/dry-run/", EVERYONE),
        (f"/processes/{process.pk}/counterparties/", EVERYONE),
        (f"{e}/decision-types/", EVERYONE),
        (f"{e}/training/", EVERYONE),
        (f"/datasets/{first.dataset_id}/", EVERYONE),
        (f"/rounds/{first.pk}/", EVERYONE),
        (f"/rounds/{first.pk}/compare/{second.pk}/", EVERYONE),
        (f"{e}/decisions/", EVERYONE),
        (f"/decisions/{decision.pk}/", EVERYONE),
        (f"{e}/api-keys/", CONSULTANTS),
        (f"{e}/monitoring/", EVERYONE),
        (f"{e}/monitoring/summary-preview/", CONSULTANTS),
        (f"{e}/alerts/", EVERYONE),
        (f"{e}/alert-rules/", EVERYONE),
        (f"{e}/silences/", EVERYONE),
        (f"{e}/review-tasks/", EVERYONE),
        (f"{e}/edge-cases/", EVERYONE),
        ("/queue/", WORKERS),
        (f"/review-tasks/{task.pk}/", WORKERS),
        (f"{e}/agreement/", EVERYONE),
        ("/shadow-reviews/", WORKERS),
        (f"/shadow-reviews/{shadow.pk}/", WORKERS),
        (f"{e}/runbooks/", EVERYONE),
        (f"{e}/runbooks/{runbook.slug}/", EVERYONE),
        (f"{e}/runbooks/{runbook.slug}/history/", EVERYONE),
        (f"{e}/runbooks/{runbook.slug}/edit/", WORKERS),
        (f"/runbook-runs/{run.pk}/", EVERYONE),
        ("/runbooks/search/?q=accuracy", EVERYONE),
        (f"{e}/skill-transfer/", EVERYONE),
        (f"/skill-plans/{plan.pk}/", EVERYONE),
        (f"/check-ins/{check_in.pk}/", EVERYONE),
        (f"{e}/handoff/", EVERYONE),
        (f"{e}/handoff-pdf/", EVERYONE),
        ("/handoff-documents/verify/", EVERYONE),
        ("/calendar/", EVERYONE),
        (f"{e}/webhooks/", WORKERS),
        ("/people/", EVERYONE),
        (f"/clients/{client.pk}/people/", EVERYONE),
        ("/status/", CONSULTANTS),
        # The forms a consultant fills in.
        ("/engagements/new/", CONSULTANTS),
        (f"/clients/{client.pk}/time-zone/", CONSULTANTS),
        (f"/processes/{process.pk}/edit/", CONSULTANTS),
        (f"{e}/decision-types/new/", CONSULTANTS),
        (f"/decision-types/{decision_type.pk}/edit/", CONSULTANTS),
        (f"{e}/alert-rules/new/", CONSULTANTS),
        (f"{e}/webhooks/new/", CONSULTANTS),
        (f"{e}/runbooks/new/", CONSULTANTS),
        (f"/skill-plans/{plan.pk}/edit/", CONSULTANTS),
        (f"/competencies/{competency.pk}/edit/", CONSULTANTS),
    ]
    if episode is not None:
        pages.append((f"/alerts/{episode.pk}/acknowledge/", WORKERS))
    return pages


# What a phone's layout adds: boxes that scroll sideways must take the keyboard focus. The other
# rules read the same document at any width; running them twice doubled the test's time.
PHONE_RULES = {"runOnly": {"type": "rule", "values": ["scrollable-region-focusable"]}}


def _violations(axe: Axe, page: Page, options: dict | None = None) -> list[str]:
    found = axe.run(page, options={"resultTypes": ["violations"], **(options or {})}).response[
        "violations"
    ]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in found
        if v["impact"] in BLOCKING
    ]


def _overflow(page: Page) -> int:
    return page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )


def _check(page: Page, axe: Axe) -> list[str]:
    """axe-core's blocking violations at 1440 px, then the overflow and the layout's rules at
    390 px (same page, no reload: the layout reflows)."""
    problems = _violations(axe, page)
    page.set_viewport_size(PHONE)
    if (wide := _overflow(page)) > 0:
        problems.append(f"{wide} px wider than a 390 px phone")
    problems += [f"at 390 px: {v}" for v in _violations(axe, page, PHONE_RULES)]
    page.set_viewport_size(DESKTOP)
    return problems


def test_main_pages_pass_axe_and_fit_a_phone_for_every_role(live_server, page: Page):
    demo_seed()
    pages = _main_pages()
    axe = Axe()
    failures: dict[str, list[str]] = {}
    started = time.monotonic()
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/login/")
    if problems := _check(page, axe):
        failures["anonymous /login/"] = problems
    for username in (CONSULTANT, OPERATOR, SPONSOR):
        page.goto(live_server.url + "/login/")
        log_in(page, username)
        for path, who in pages:
            if username not in who:
                continue
            response = page.goto(live_server.url + path)
            if response is None or response.status != 200:
                failures[f"{username} {path}"] = [f"HTTP {response.status if response else '—'}"]
            elif problems := _check(page, axe):
                failures[f"{username} {path}"] = problems
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_label("Username")).to_be_visible()
    elapsed = time.monotonic() - started
    report = "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in failures.items())
    assert failures == {}, f"{len(failures)} pages fail ({elapsed:.0f} s):\n{report}"
