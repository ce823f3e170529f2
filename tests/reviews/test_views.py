import re
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.reviews.models import EdgeCase, ReviewTask
from maestro.reviews.services import review_task_resolve, review_tasks_open_for_decisions
from maestro.tenancy.models import Membership
from tests.decisions.factories import DecisionFactory
from tests.harness.isolation import assert_hidden
from tests.mapping.factories import ProcessFactory
from tests.reviews.conftest import open_task
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def open_tasks(world, n: int) -> list[ReviewTask]:
    """n open tasks of engagement A, all assigned to operator_a (its only operator)."""
    process = ProcessFactory(engagement=world.engagement_a)
    decisions = DecisionFactory.create_batch(n, process=process)
    return list(review_tasks_open_for_decisions(decisions=decisions).values())


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
    assert '<li><a href="/queue/"' not in r.content.decode()
    assert "Nothing to review" in r.content.decode()


def test_queue_page_query_count_is_flat(world, browser):
    page = browser(world.operator_a)
    counts = []
    for more in (5, 55):  # 5, then 60 open tasks: more than one page
        open_tasks(world, more)
        with CaptureQueriesContext(connection) as queries:
            assert page.get("/queue/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # Session, user, the nav's count, the filters' engagements and processes, the open and
    # overdue counts, the page's count and its rows; plus 1 for the page's marks from the apps
    # above reviews (a shadow review's badge, maestro.reviews.hooks), one query for the page.
    assert counts[1] <= 9


def test_queue_page_shows_fifty_tasks_a_page_and_counts_them_all(world, browser):
    open_tasks(world, 60)
    page = browser(world.operator_a)

    first = page.get("/queue/").content.decode()
    second = page.get("/queue/", {"page": 2}).content.decode()

    assert first.count('href="/review-tasks/') == 50
    assert second.count('href="/review-tasks/') == 10
    assert 'data-testid="open-count">60<' in second
    assert 'aria-label="Pages of my queue"' in first
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first
    assert 'href="?page=1" rel="prev"' in second and 'rel="next"' not in second


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
    requests = [
        ("get", f"/review-tasks/{task_a.pk}/"),
        ("post", f"/review-tasks/{task_a.pk}/", {"outcome": "approve"}),
        ("get", f"/engagements/{world.engagement_a.pk}/review-tasks/"),
        ("get", f"/engagements/{world.engagement_a.pk}/edge-cases/"),
    ]
    assert_hidden(browser(world.operator_b), requests)


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
    page = browser(world.consultant)
    url = f"/engagements/{world.engagement_a.pk}/{path}"
    counts = []
    for more in (5, 55):  # 5, then 60 tasks and edge cases: more than one page
        for task in open_tasks(world, more):
            EdgeCase.objects.create(engagement=world.engagement_a, decision=task.decision, note="n")
        with CaptureQueriesContext(connection) as queries:
            assert page.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # No more than today (with "Reassign selected": may I work?), plus 1 for the page's marks
    # from the apps above reviews (a shadow review's badge, maestro.reviews.hooks).
    assert counts[1] <= 12


def test_engagement_task_pages_keep_the_filters_in_their_links(world, browser):
    open_tasks(world, 60)
    page = browser(world.consultant)
    url = f"/engagements/{world.engagement_a.pk}/review-tasks/"

    first = page.get(url, {"status": "open", "overdue": "no"}).content.decode()
    second = page.get(url, {"status": "open", "overdue": "no", "page": 2}).content.decode()

    assert ">60 tasks</h2>" in first  # the heading counts every match, not the page
    assert first.count('href="/review-tasks/') == 50
    assert second.count('href="/review-tasks/') == 10
    assert 'aria-label="Pages of review tasks"' in first
    assert "Page 1 of 2" in first
    assert 'href="?status=open&amp;overdue=no&amp;page=2" rel="next"' in first
    assert 'href="?status=open&amp;overdue=no&amp;page=1" rel="prev"' in second
    assert "page=2&amp;page" not in second
    done = page.get(url, {"status": "resolved"}).content.decode()
    assert "No review task matches." in done and "Pages of review tasks" not in done


def test_engagement_task_page_out_of_range_shows_the_last_page(world, browser):
    open_tasks(world, 51)
    url = f"/engagements/{world.engagement_a.pk}/review-tasks/"
    for bogus in ("9", "x"):
        r = browser(world.consultant).get(url, {"page": bogus})
        assert r.status_code == 200
    assert "Page 2 of 2" in browser(world.consultant).get(url, {"page": "9"}).content.decode()


def test_edge_case_log_pages_and_keeps_refs_and_notes_readable(world, browser):
    tasks = open_tasks(world, 60)
    for task in tasks:
        EdgeCase.objects.create(engagement=world.engagement_a, decision=task.decision, note="n")
    process = ProcessFactory(engagement=world.engagement_a, name="Refunds")
    decision = DecisionFactory(process=process, case_ref="RF-2026-000123")
    EdgeCase.objects.create(
        engagement=world.engagement_a,
        decision=decision,
        note="Line one <script>x</script>\nhttps://example.com/" + "a" * 120,
    )
    page = browser(world.operator_a)
    url = f"/engagements/{world.engagement_a.pk}/edge-cases/"

    first = page.get(url).content.decode()
    second = page.get(url, {"page": 2}).content.decode()

    assert ">61 edge cases</h2>" in first
    assert first.count('class="case-ref"') == 50 and second.count('class="case-ref"') == 11
    assert "Page 1 of 2" in first and 'aria-label="Pages of edge cases"' in first
    # Newest first: the last one flagged heads page 1, its ref in one unbreakable piece.
    assert '<code class="case-ref" title="RF-2026-000123">RF-2026-000123</code>' in first
    assert 'class="edge-note">Line one &lt;script&gt;x&lt;/script&gt;<br>https://' in first
    assert "<script>x" not in first


def test_form_labels_have_no_trailing_colon_on_the_work_pages(world, task_a, browser):
    # The filter bars, the task's forms and the activity filters render labels through
    # includes/field.html, like every other form: "Route", not "Route:".
    page = browser(world.consultant)
    engagement = world.engagement_a.pk
    for url in (
        f"/engagements/{engagement}/decisions/",
        f"/engagements/{engagement}/review-tasks/",
        f"/engagements/{engagement}/activity/",
        f"/engagements/{engagement}/monitoring/",
        f"/engagements/{engagement}/alerts/",
        f"/review-tasks/{task_a.pk}/",
    ):
        html = page.get(url).content.decode()
        labels = re.findall(r"<label[^>]*>([^<]*)</label>", html)
        assert labels, url
        assert [label for label in labels if label.strip().endswith(":")] == [], url
