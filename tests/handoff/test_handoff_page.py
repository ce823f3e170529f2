"""The engagement's Handoff page: the checklist to step out (each item met or not, with why and a
link to the fix), the latest handoff PDF with its sign-offs and a Sign off button for those who
may sign, the stance with its dates, readiness per operator, open work and runbooks; a constant
number of queries; another client's users get 404s; the sponsor's summary links the document."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from handoff.models import HandoffDocument, StanceStep
from handoff.selectors.handoff import handoff_overview
from handoff.selectors.sign_offs import documents_url
from handoff.services.plans import stance_step
from maestro.engagements.models import Engagement
from maestro.tenancy.models import Membership
from runbooks import services as runbook_services
from runbooks.models import Runbook
from tests.engagements.test_views import select, text
from tests.handoff.factories import CompetencyFactory, SkillTransferPlanFactory
from tests.handoff.sign_off_setup import (
    document_make,
    firing_alert,
    overdue_task,
    ready_engagement,
    sign_off_make,
)
from tests.harness.isolation import OUTSIDERS, assert_hidden, page_as
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _url(engagement) -> str:
    return reverse("handoff:handoff", args=[engagement.pk])


def _items(engagement) -> dict:
    return {item.key: item for item in handoff_overview(engagement=engagement).checklist}


def _signed_off(world, engagement, version: int = 1) -> HandoffDocument:
    document = document_make(engagement, version=version)
    sign_off_make(document, world.sponsor_a, "sponsor")
    sign_off_make(document, world.operator_a, "operator")
    return document


def _page_item(response, key: str) -> tuple[str, str | None]:
    """The checklist item's text and its fix link on the page."""
    (item,) = select(response, f'[data-testid="check-{key}"]')
    links = [a.get("href") for a in item.iter("a")]
    return text(item), (links[0] if links else None)


def test_everything_met_says_ready_to_step_out(world):
    engagement = ready_engagement(world)
    _signed_off(world, engagement)

    items = _items(engagement)

    assert list(items) == [
        "readiness",
        "overdue_tasks",
        "firing_alerts",
        "runbooks_published",
        "handoff_signed_off",
    ]
    assert all(item.met and not item.fix_url for item in items.values())
    assert items["readiness"].detail == "1 operator at 100% readiness."
    assert items["runbooks_published"].detail == "1 runbook, published."
    assert items["handoff_signed_off"].detail == (
        f"Version 1 is signed off by {world.sponsor_a}, {world.operator_a}."
    )
    page = page_as(world.sponsor_a).get(_url(engagement))
    assert page.status_code == 200
    assert texts_of(page, '[data-testid="checklist-verdict"]') == ["Ready: all 5 met"]


def texts_of(response, css: str) -> list[str]:
    return [text(e) for e in select(response, css)]


# Each unmet item: how to break it, then its detail and where its link goes.
def _behind(world, engagement):
    plan = engagement.skill_plans.get()
    competency = plan.competencies.first()
    competency.current_stage = "co_pilot"
    competency.save()
    return (
        f"{world.operator_a}: Readiness 50% (1 of 2 competencies at target)",
        reverse("handoff:plan", args=[plan.pk]),
    )


def _no_plan(world, engagement):
    engagement.skill_plans.all().delete()
    return (
        "No skill-transfer plan yet: nobody is named to take over.",
        reverse("handoff:plans", args=[engagement.pk]),
    )


def _overdue(world, engagement):
    overdue_task(engagement)
    return (
        "1 review task is past its due time.",
        reverse("reviews:engagement-tasks", args=[engagement.pk]) + "?status=open&overdue=yes",
    )


def _firing(world, engagement):
    firing_alert(engagement, "Ticket routing")
    return (
        "1 alert firing: Accuracy below a floor · Ticket routing.",
        reverse("monitoring:alerts", args=[engagement.pk]),
    )


def _draft_runbook(world, engagement):
    runbook = runbook_services.runbook_create(
        engagement=engagement, title="Escalations", slug="escalations", by=world.consultant,
        body="Who to call.", message="First",
    )  # fmt: skip
    return ("1 runbook not published: “Escalations”.", runbook.get_absolute_url())


def _no_runbook(world, engagement):
    Runbook.objects.filter(engagement=engagement).update(status=Runbook.Status.RETIRED)
    return (
        "No runbook yet: the operator needs written procedures to run the agent alone.",
        reverse("runbooks:list", args=[engagement.pk]),
    )


def _no_document(world, engagement):
    HandoffDocument.objects.filter(engagement=engagement).delete()
    return (
        "No handoff PDF has been generated yet.",
        documents_url(engagement) or _url(engagement) + "#handoff-document",
    )


def _unsigned(world, engagement):
    HandoffDocument.objects.filter(engagement=engagement).delete()
    document_make(engagement)
    return (
        "Version 1 is waiting for the sign-off of a sponsor of the client, "
        f"{world.operator_a} (operator).",
        _url(engagement) + "#handoff-document",
    )


def _newer_generation(world, engagement):
    # Version 1 is fully signed off; version 2 succeeded since and has the sponsor's only.
    second = document_make(engagement, version=2)
    sign_off_make(second, world.sponsor_a, "sponsor")
    document_make(engagement, version=3, status=HandoffDocument.Status.QUEUED)  # not counted
    return (
        f"Version 2 is waiting for the sign-off of {world.operator_a} (operator).",
        _url(engagement) + "#handoff-document",
    )


def _no_sponsor(world, engagement):
    HandoffDocument.objects.filter(engagement=engagement).delete()
    document = document_make(engagement)
    sign_off_make(document, world.operator_a, "operator")
    Membership.all_objects.filter(user=world.sponsor_a).update(deactivated_at=timezone.now())
    return (
        "Version 1 needs a sponsor's sign-off, and Acme has no active sponsor: invite one.",
        reverse("people:client", args=[world.client_a.pk]),
    )


UNMET = {
    "readiness below target": ("readiness", _behind),
    "no plan": ("readiness", _no_plan),
    "an overdue task": ("overdue_tasks", _overdue),
    "a firing alert": ("firing_alerts", _firing),
    "a draft runbook": ("runbooks_published", _draft_runbook),
    "no runbook": ("runbooks_published", _no_runbook),
    "no document": ("handoff_signed_off", _no_document),
    "not signed": ("handoff_signed_off", _unsigned),
    "a newer generation": ("handoff_signed_off", _newer_generation),
    "no sponsor to sign": ("handoff_signed_off", _no_sponsor),
}


@pytest.mark.parametrize("case", UNMET)
def test_each_unmet_item_says_why_and_links_to_the_fix(world, case):
    key, breaks = UNMET[case]
    engagement = ready_engagement(world)
    _signed_off(world, engagement)
    detail, fix_url = breaks(world, engagement)

    items = _items(engagement)

    assert (items[key].met, items[key].detail, items[key].fix_url) == (False, detail, fix_url)
    assert [k for k, item in items.items() if not item.met] == [key]  # the others still met
    page = page_as(world.consultant).get(_url(engagement))
    assert page.status_code == 200
    shown, link = _page_item(page, key)
    assert detail in shown and shown.startswith("✕ Not met:")
    assert html.unescape(link) == fix_url
    assert texts_of(page, '[data-testid="checklist-verdict"]') == ["1 of 5 not met"]


def test_the_document_block_shows_version_hash_sign_offs_and_who_is_missing(world):
    engagement = ready_engagement(world)
    document = document_make(engagement, version=2)
    sign_off_make(document, world.sponsor_a, "sponsor")

    page = page_as(world.consultant).get(_url(engagement))

    assert texts_of(page, '[data-testid="document-version"]') == ["2"]
    assert texts_of(page, '[data-testid="document-sha256"]') == [document.sha256]
    (sign_off,) = texts_of(page, '[data-testid="sign-off"]')
    assert sign_off.startswith(f"{world.sponsor_a} (sponsor) · ")
    assert texts_of(page, '[data-testid="waiting-for"]') == [
        f"Waiting for the sign-off of {world.operator_a} (operator)."
    ]
    verify = reverse("handoff:verify") + f"?sha256={document.sha256}"
    assert verify in html.unescape(page.content.decode())
    assert "Sign off version 2" not in page.content.decode()  # consultants do not sign


@pytest.mark.parametrize(
    ("who", "button"),
    [
        ("sponsor_a", False),  # signed already
        ("operator_a", True),
        ("consultant", False),
        ("staff", False),
    ],
)
def test_the_sign_off_button_is_offered_to_signers_who_have_not_signed(world, who, button):
    engagement = ready_engagement(world)
    document = document_make(engagement, version=2)
    sign_off_make(document, world.sponsor_a, "sponsor")

    page = page_as(getattr(world, who)).get(_url(engagement))

    assert page.status_code == 200
    forms = select(page, "form.sign-off-form")
    assert bool(forms) is button
    if button:
        assert forms[0].get("action") == reverse("handoff:document-sign-off", args=[document.pk])
        assert "Sign off version 2 as operator" in page.content.decode()


def test_a_newer_generation_in_progress_is_mentioned(world):
    engagement = ready_engagement(world)
    document_make(engagement, version=1)
    document_make(engagement, version=2, status=HandoffDocument.Status.FAILED)
    page = page_as(world.consultant).get(_url(engagement))
    assert texts_of(page, '[data-testid="newer-generation"]') == [
        "Version 2 failed: The document hit the page limit."
    ]
    assert texts_of(page, '[data-testid="document-version"]') == ["1"]


def test_the_stance_shows_its_dates_and_steps(world):
    engagement = ready_engagement(world)
    Engagement.objects.filter(pk=engagement.pk).update(stance=Engagement.Stance.ADVISORY)
    engagement.refresh_from_db()
    stance_step(engagement=engagement, by=world.consultant, to_stance="out", note="All set.")

    page = page_as(world.sponsor_a).get(_url(engagement))

    assert texts_of(page, '[data-testid="stance"]') == ["Out"]
    ladder = texts_of(page, ".handoff-stance li")
    today = timezone.localtime(StanceStep.objects.get().at).strftime("%-d %b %Y")
    assert ladder == ["Lead", "Advisory", f"Out{today}"]
    assert "Advisory → Out" in page.content.decode() and "All set." in page.content.decode()


def test_a_consultant_is_offered_the_next_step_down(world):
    engagement = ready_engagement(world)
    Engagement.objects.filter(pk=engagement.pk).update(stance=Engagement.Stance.ADVISORY)
    page = page_as(world.consultant).get(_url(engagement))
    assert "Step down to Out" in page.content.decode()
    sponsor = page_as(world.sponsor_a).get(_url(engagement))
    assert "Step down to" not in sponsor.content.decode()


def test_readiness_per_operator_with_links_an_operator_may_open(world):
    engagement = ready_engagement(world)
    colleague = SkillTransferPlanFactory(engagement=engagement)
    CompetencyFactory(plan=colleague, current_stage="shadow")

    page = page_as(world.operator_a).get(_url(engagement))

    blocks = select(page, '[data-testid="plan-readiness"]')
    assert len(blocks) == 2
    shown = {text(b.find(".//h3")): [a.get("href") for a in b.iter("a")] for b in blocks}
    own = reverse("handoff:plan", args=[engagement.skill_plans.get(operator=world.operator_a).pk])
    assert shown[str(world.operator_a)] == [own]
    assert shown[str(colleague.operator)] == []  # the colleague's plan is theirs to open
    assert "Readiness 0% (0 of 1 competency at target)" in page.content.decode()
    assert 'class="chart readiness-chart"' in page.content.decode()


def test_open_work_and_runbooks_are_listed(world):
    engagement = ready_engagement(world)
    overdue_task(engagement, "Late task")
    firing_alert(engagement, "Procurement approval")
    runbook_services.runbook_create(
        engagement=engagement, title="Draft guide", slug="draft-guide", by=world.consultant,
        body="Soon.", message="First",
    )  # fmt: skip

    page = page_as(world.consultant).get(_url(engagement))

    assert texts_of(page, '[data-testid="task-counts"]') == ["1 open review task, 1 overdue."]
    assert "Late task" in texts_of(page, '[data-testid="overdue-task"]')[0]
    assert "Procurement approval" in texts_of(page, '[data-testid="firing-alert"]')[0]
    rows = texts_of(page, '[data-testid="runbook-row"]')
    assert rows == [
        "Draft guide Operating runbook Draft never published",
        "Operating the agent Operating runbook Published v1 published",
    ]
    assert "<script" not in page.content.decode().split("<main", 1)[1]
    assert 'style="' not in page.content.decode()


def _grow(world, engagement, n: int) -> None:
    """n more of everything the page lists."""
    for i in range(engagement.skill_plans.count(), engagement.skill_plans.count() + n):
        plan = SkillTransferPlanFactory(engagement=engagement)
        CompetencyFactory(plan=plan, current_stage="co_pilot")
        overdue_task(engagement, f"Task {i}")
        firing_alert(engagement, f"Process {i}")
        runbook_services.runbook_create(
            engagement=engagement, title=f"Guide {i}", slug=f"guide-{i}", by=world.consultant,
            body="Text.", message="First",
        )  # fmt: skip
        StanceStep.objects.create(
            engagement=engagement, from_stance="lead", to_stance="advisory", by=world.consultant
        )
    document = engagement.handoff_documents.order_by("-version").first()
    for _ in range(n):
        sponsor = MembershipFactory(client=world.client_a, role=Membership.Role.SPONSOR).user
        sign_off_make(document, sponsor, "sponsor")


@pytest.mark.parametrize("who", ["consultant", "operator_a", "sponsor_a"])
def test_the_page_reads_a_constant_number_of_queries(world, who):
    engagement = ready_engagement(world)
    _signed_off(world, engagement)
    document_make(engagement, version=2)
    _grow(world, engagement, 1)
    page = page_as(getattr(world, who))
    with CaptureQueriesContext(connection) as few:
        assert page.get(_url(engagement)).status_code == 200
    _grow(world, engagement, 4)
    with CaptureQueriesContext(connection) as many:
        response = page.get(_url(engagement))
    assert response.status_code == 200
    assert len(select(response, '[data-testid="plan-readiness"]')) == 6
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # 19-20 today: the session, the user and the engagement, then each block once.
    assert len(few) <= 22, len(few)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_other_clients_users_get_404(world, who):
    engagement = ready_engagement(world)
    _signed_off(world, engagement)
    assert_hidden(
        page_as(getattr(world, who)),
        [("get", _url(engagement))],
        absent=["Operating the agent", world.engagement_a.name],
    )


def test_the_sponsors_summary_links_the_latest_document(world):
    engagement = ready_engagement(world)
    document = _signed_off(world, engagement, version=1)
    summary_url = reverse("engagements:summary", args=[engagement.pk])
    page = page_as(world.sponsor_a).get(summary_url)
    (entry,) = select(page, '[data-testid="document-handoff"]')
    day = timezone.localtime(document.finished_at, world.client_a.tzinfo).strftime("%-d %b %Y")
    assert text(entry) == f"Handoff document, version 1 generated {day} · signed off"
    assert entry.find(".//a").get("href") == _url(engagement) + "#handoff-document"
    # A newer version waits for its own sign-offs.
    document_make(engagement, version=2)
    page = page_as(world.sponsor_a).get(summary_url)
    (entry,) = select(page, '[data-testid="document-handoff"]')
    assert text(entry).startswith("Handoff document, version 2 generated ")
    assert text(entry).endswith(
        f"waiting for the sign-off of a sponsor of the client, {world.operator_a} (operator)"
    )


def test_the_summary_has_no_handoff_entry_before_a_first_version(world):
    engagement = ready_engagement(world)
    document_make(engagement, version=1, status=HandoffDocument.Status.RUNNING)
    page = page_as(world.sponsor_a).get(reverse("engagements:summary", args=[engagement.pk]))
    assert select(page, '[data-testid="document-handoff"]') == []


def test_old_overdue_is_not_counted_once_resolved(world):
    """Resolved tasks, however late, do not hold the checklist back."""
    engagement = ready_engagement(world)
    _signed_off(world, engagement)
    task = overdue_task(engagement)
    task.status = "resolved"
    task.resolved_at = timezone.now() - timedelta(minutes=1)
    task.save()
    assert _items(engagement)["overdue_tasks"].met
