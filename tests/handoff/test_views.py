import re
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handoff.models import EdgeCase, ReviewTask
from handoff.services import review_task_resolve
from maestro.decisions.models import Decision
from maestro.tenancy.models import Membership
from tests.factories import MembershipFactory
from tests.handoff.conftest import open_task
from tests.handoff.factories import DecisionFactory
from tests.mapping.factories import ProcessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_queue_page_lists_my_tasks_with_counts_and_an_overdue_label(world, task_a, browser):
    process = ProcessFactory(engagement=world.engagement_a)
    late = open_task(DecisionFactory(process=process, case_ref="LATE-1"))
    ReviewTask.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))

    r = browser(world.operator_a).get("/queue/")

    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="open-count">2<' in html
    assert 'data-testid="overdue-count">1<' in html
    assert html.index("LATE-1") < html.index("INV-1")  # oldest due first
    assert html.count(">Overdue</span>") == 1
    assert 'href="/queue/"' in html  # nav link for operators


def test_nav_hides_the_queue_from_a_consultant_without_tasks(world, browser):
    r = browser(world.consultant).get("/queue/")
    assert r.status_code == 200
    assert 'href="/queue/"' not in r.content.decode()
    assert "Nothing to review" in r.content.decode()


def test_queue_page_query_count_is_flat(world, browser):
    process = ProcessFactory(engagement=world.engagement_a)
    page = browser(world.operator_a)
    counts = []
    for more in (2, 20):
        for _ in range(more):
            open_task(DecisionFactory(process=process))
        with CaptureQueriesContext(connection) as queries:
            assert page.get("/queue/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_task_page_shows_the_decision_and_escapes_the_payload(world, browser):
    process = ProcessFactory(engagement=world.engagement_a, name="Invoice approval")
    decision = DecisionFactory(
        process=process,
        case_ref="INV-9",
        amount="75000.00",
        currency="USD",
        counterparty="Globex",
        payload={"memo": "<script>alert(1)</script>"},
        reasons=[{"code": "amount_above", "message": "Amount 75,000.00 USD is above 50,000.00"}],
    )
    task = open_task(decision)

    r = browser(world.operator_a).get(f"/review-tasks/{task.pk}/")

    html = r.content.decode()
    assert r.status_code == 200
    for text in ("Invoice approval", "INV-9", "75,000.00 USD", "Globex", "Amount 75,000.00 USD"):
        assert text in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="approve"' in html and "(agent's proposal)" in html


def test_resolving_on_the_page_records_an_override_and_an_edge_case(world, task_a, browser):
    r = browser(world.operator_a).post(
        f"/review-tasks/{task_a.pk}/",
        {
            "outcome": "__other__",
            "other_outcome": "hold for audit",
            "note": "vendor changed bank details",
            "flag_edge_case": "on",
            "edge_case_note": "bank details changed",
        },
        follow=True,
    )
    assert r.status_code == 200
    assert "an override of the agent" in r.content.decode()
    decision = Decision.objects.get(pk=task_a.decision_id)
    assert (decision.final_outcome, decision.overridden) == ("hold for audit", True)
    assert EdgeCase.objects.get().note == "bank details changed"


def test_resolve_form_errors_keep_the_task_open(world, task_a, browser):
    r = browser(world.operator_a).post(
        f"/review-tasks/{task_a.pk}/", {"outcome": "__other__", "other_outcome": ""}
    )
    assert r.status_code == 400
    assert "Type the outcome, or pick one above." in r.content.decode()
    r = browser(world.operator_a).post(
        f"/review-tasks/{task_a.pk}/", {"outcome": "approve", "flag_edge_case": "on"}
    )
    assert r.status_code == 400
    assert "Say what makes this decision an edge case." in r.content.decode()
    assert ReviewTask.objects.get(pk=task_a.pk).status == "open"


def test_conflict_page_shows_the_winner_and_keeps_my_input(world, task_a, browser):
    other = MembershipFactory(client=world.client_a, role=Membership.Role.OPERATOR).user
    review_task_resolve(task=task_a, final_outcome="reject", note="dup", by=world.operator_a)

    r = browser(other).post(
        f"/review-tasks/{task_a.pk}/",
        {"outcome": "__other__", "other_outcome": "pay half", "note": "my careful note"},
    )

    html = r.content.decode()
    assert r.status_code == 409
    assert "resolved this task first, with outcome “reject”" in html
    assert 'value="pay half"' in html
    assert "my careful note" in html
    assert ReviewTask.objects.get(pk=task_a.pk).final_outcome == "reject"


def test_sponsor_sees_the_task_but_cannot_resolve(world, task_a, browser):
    page = browser(world.sponsor_a)
    r = page.get(f"/review-tasks/{task_a.pk}/")
    assert r.status_code == 200
    assert ">Resolve</button>" not in r.content.decode()
    assert page.post(f"/review-tasks/{task_a.pk}/", {"outcome": "approve"}).status_code == 403
    assert ReviewTask.objects.get(pk=task_a.pk).status == "open"


def test_other_tenant_gets_404_on_task_pages(world, task_a, browser):
    page = browser(world.operator_b)
    assert page.get(f"/review-tasks/{task_a.pk}/").status_code == 404
    assert page.post(f"/review-tasks/{task_a.pk}/", {"outcome": "approve"}).status_code == 404
    assert page.get(f"/engagements/{world.engagement_a.pk}/review-tasks/").status_code == 404
    assert page.get(f"/engagements/{world.engagement_a.pk}/edge-cases/").status_code == 404


def test_reassign_on_the_page(world, task_a, browser):
    r = browser(world.consultant).post(
        f"/review-tasks/{task_a.pk}/reassign/", {"to_user": world.consultant.pk}, follow=True
    )
    assert r.status_code == 200
    assert ReviewTask.objects.get(pk=task_a.pk).assignee == world.consultant
    r = browser(world.consultant).post(
        f"/review-tasks/{task_a.pk}/reassign/", {"to_user": world.operator_b.pk}
    )
    assert r.status_code == 400


def test_engagement_task_list_filters_overdue(world, task_a, browser):
    process = ProcessFactory(engagement=world.engagement_a)
    late = open_task(DecisionFactory(process=process, case_ref="LATE-2"))
    ReviewTask.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    page = browser(world.consultant)
    url = f"/engagements/{world.engagement_a.pk}/review-tasks/"

    html = page.get(url, {"overdue": "yes"}).content.decode()
    assert "LATE-2" in html and "INV-1" not in html
    html = page.get(url, {"status": "open"}).content.decode()
    assert "LATE-2" in html and "INV-1" in html
    assert page.get(url, {"status": "bogus"}).status_code == 400


def test_edge_case_log_and_mark_reviewed(world, task_a, browser):
    page = browser(world.operator_a)
    page.post(f"/review-tasks/{task_a.pk}/flag/", {"note": "strange currency"})
    edge = EdgeCase.objects.get()
    html = page.get(f"/engagements/{world.engagement_a.pk}/edge-cases/").content.decode()
    assert "strange currency" in html and "Mark reviewed" in html

    r = page.post(f"/edge-cases/{edge.pk}/review/", follow=True)

    assert r.status_code == 200
    assert EdgeCase.objects.get().reviewed_at is not None
    assert browser(world.sponsor_a).post(f"/edge-cases/{edge.pk}/review/").status_code == 403


def test_task_page_ids_are_unique(world, task_a, browser):
    html = browser(world.consultant).get(f"/review-tasks/{task_a.pk}/").content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    assert 'for="reassign_note"' in html and 'for="id_note"' in html


@pytest.mark.parametrize("path", ["review-tasks/", "edge-cases/"])
def test_engagement_task_and_edge_case_pages_query_counts_are_flat(world, browser, path):
    process = ProcessFactory(engagement=world.engagement_a)
    page = browser(world.consultant)
    url = f"/engagements/{world.engagement_a.pk}/{path}"
    counts = []
    for more in (2, 20):
        for _ in range(more):
            task = open_task(DecisionFactory(process=process))
            EdgeCase.objects.create(engagement=world.engagement_a, decision=task.decision, note="n")
        with CaptureQueriesContext(connection) as queries:
            assert page.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
