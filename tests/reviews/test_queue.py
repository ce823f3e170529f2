"""My queue as a work queue (issue #17): landing after log-in, the navigation's count, rows that
say why, filters and sorts in the URL, resolve and next, and the task page's outcomes, payload,
counterparty history and single edge-case control."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maestro.reviews.context_processors import review_queue
from maestro.reviews.models import EdgeCase, ReviewTask
from maestro.reviews.selectors import review_queue_nav
from maestro.reviews.services import review_task_resolve
from maestro.reviews.views import PAYLOAD_DISPLAY_LIMIT
from maestro.training.models import EvaluationCase, EvaluationDataset
from tests.decisions.factories import DecisionFactory
from tests.engagements.factories import EngagementFactory
from tests.harness.isolation import assert_hidden, page_as
from tests.mapping.factories import (
    DecisionPointFactory,
    DecisionTypeFactory,
    ProcessFactory,
    StepFactory,
)
from tests.reviews.conftest import open_task

pytestmark = pytest.mark.django_db

AMOUNT_REASON = {"code": "amount_above", "message": "Amount 60,000.00 USD is above 50,000.00 USD"}
NEW_SUPPLIER = {"code": "new_counterparty", "message": "new supplier"}
LOW_CONFIDENCE = {"code": "confidence_below", "message": "Confidence 0.61 is below 0.80"}


def _due(task, minutes: float) -> ReviewTask:
    ReviewTask.objects.filter(pk=task.pk).update(due_at=timezone.now() + timedelta(minutes=minutes))
    task.refresh_from_db()
    return task


@pytest.fixture
def queue(world):
    """Four open tasks of operator_a over two processes, due 30, 60, 90 and (overdue) -30 min."""
    purchases = ProcessFactory(engagement=world.engagement_a, name="Procurement approval")
    tickets = ProcessFactory(engagement=world.engagement_a, name="Ticket routing")
    big = open_task(
        DecisionFactory(
            process=purchases,
            case_ref="PO-BIG",
            amount=Decimal("60000.00"),
            currency="USD",
            counterparty="Globex",
            confidence=Decimal("0.9100"),
            reasons=[AMOUNT_REASON, NEW_SUPPLIER],
        )
    )
    small = open_task(
        DecisionFactory(
            process=purchases,
            case_ref="PO-SMALL",
            amount=Decimal("1200.50"),
            currency="USD",
            counterparty="Initech",
            reasons=[LOW_CONFIDENCE],
        )
    )
    ticket = open_task(DecisionFactory(process=tickets, case_ref="TCK-1", reasons=[LOW_CONFIDENCE]))
    late = open_task(
        DecisionFactory(process=tickets, case_ref="TCK-LATE", reasons=[LOW_CONFIDENCE])
    )
    _due(big, 30), _due(small, 60), _due(ticket, 90), _due(late, -30)
    return {"big": big, "small": small, "ticket": ticket, "late": late}


def _refs(html: str) -> list[str]:
    return re.findall(r"case ((?:PO|TCK)-[A-Z0-9]+)</a>", html)


# --- landing and navigation -----------------------------------------------------------------


def _log_in(client, user, query: str = ""):
    user.set_password("pw-for-tests-1")
    user.save()
    credentials = {"username": user.username, "password": "pw-for-tests-1"}
    return client.post("/login/" + query, credentials)


def test_operators_land_on_their_queue_after_log_in(world, client):
    r = _log_in(client, world.operator_a)
    assert r.status_code == 302 and r["Location"] == "/start/"
    assert client.get("/start/")["Location"] == "/queue/"


@pytest.mark.parametrize("who", ["consultant", "staff"])
def test_others_land_on_the_engagement_list(world, client, who):
    _log_in(client, getattr(world, who))
    assert client.get("/start/")["Location"] == reverse("engagements:list")


def test_a_sponsor_lands_on_their_engagements_summary_in_one_redirect(world, client):
    _log_in(client, world.sponsor_a)
    assert client.get("/start/")["Location"] == reverse(
        "engagements:summary", kwargs={"engagement_id": world.engagement_a.pk}
    )


def test_a_sponsor_of_several_engagements_lands_on_the_list(world, client):
    EngagementFactory(client=world.client_a, lead=world.consultant, name="A second")
    _log_in(client, world.sponsor_a)
    assert client.get("/start/")["Location"] == reverse("engagements:list")


def test_log_in_still_follows_next(world, client):
    r = _log_in(client, world.operator_a, query="?next=/people/")
    assert r["Location"] == "/people/"


def test_nav_shows_my_open_count_as_a_badge(world, queue):
    html = page_as(world.operator_a).get("/engagements/").content.decode()
    assert 'data-testid="queue-badge">4<span class="sr-only"> open</span>' in html
    review_task_resolve(task=queue["big"], final_outcome="approve", by=world.operator_a)
    html = page_as(world.operator_a).get("/engagements/").content.decode()
    assert 'data-testid="queue-badge">3<' in html
    # The sponsor has no queue, the consultant holds nothing: no link, no badge.
    for user in (world.sponsor_a, world.consultant):
        html = page_as(user).get("/engagements/").content.decode()
        assert "queue-badge" not in html and '<li><a href="/queue/"' not in html


@pytest.mark.parametrize("size", [1, 12])
def test_nav_count_is_one_query_and_asked_once_per_request(world, size, django_assert_num_queries):
    process = ProcessFactory(engagement=world.engagement_a)
    for _ in range(size):
        open_task(DecisionFactory(process=process))
    request = RequestFactory().get("/")
    request.user = world.operator_a
    with django_assert_num_queries(1):
        first = review_queue(request)
        second = review_queue(request)  # another template rendered in the same request
        assert first["review_queue_nav"]["open"] == size
        assert second["review_queue_nav"]["open"] == size
        assert first["has_review_queue"] and second["has_review_queue"]
    assert review_queue_nav(user=world.operator_b) == {"show": True, "open": 0}


# --- rows and filters -----------------------------------------------------------------------


def test_each_row_says_why_it_is_here_and_how_long_is_left(world, queue):
    html = page_as(world.operator_a).get("/queue/").content.decode()
    row = html[html.index("PO-BIG") : html.index("</tr>", html.index("PO-BIG"))]
    for text in (
        "Amount 60,000.00 USD is above 50,000.00 USD",
        "new supplier",
        "60,000.00 USD",
        "Globex",
        "approve",
        "confidence 0.91",
        "due in 29\xa0minutes",
    ):
        assert text in row, text
    late = html[html.index("TCK-LATE") : html.index("</tr>", html.index("TCK-LATE"))]
    assert '<span class="badge fail">Overdue</span> <span class="overdue-text">by 30' in late
    assert _refs(html) == ["TCK-LATE", "PO-BIG", "PO-SMALL", "TCK-1"]  # due soonest first


@pytest.mark.parametrize(
    "query, refs",
    [
        ({"reason": "amount_above"}, ["PO-BIG"]),
        ({"reason": "confidence_below"}, ["TCK-LATE", "PO-SMALL", "TCK-1"]),
        ({"overdue": "yes"}, ["TCK-LATE"]),
        ({"overdue": "no"}, ["PO-BIG", "PO-SMALL", "TCK-1"]),
        ({"kind": "drift_investigation"}, []),
        ({"sort": "amount"}, ["PO-BIG", "PO-SMALL", "TCK-LATE", "TCK-1"]),
        ({"sort": "-received"}, ["TCK-LATE", "TCK-1", "PO-SMALL", "PO-BIG"]),
        ({"sort": "received"}, ["PO-BIG", "PO-SMALL", "TCK-1", "TCK-LATE"]),
    ],
)
def test_queue_filters_and_sorts(world, queue, query, refs):
    r = page_as(world.operator_a).get("/queue/", query)
    assert r.status_code == 200
    assert _refs(r.content.decode()) == refs


def test_queue_filters_by_engagement_and_process(world, queue):
    tickets = queue["ticket"].decision.process
    page = page_as(world.operator_a)
    html = page.get("/queue/", {"process": tickets.pk}).content.decode()
    assert _refs(html) == ["TCK-LATE", "TCK-1"]
    html = page.get("/queue/", {"engagement": world.engagement_a.pk}).content.decode()
    assert len(_refs(html)) == 4
    # Another client's engagement is no choice of mine: a 400 that names nothing of theirs.
    r = page.get("/queue/", {"engagement": world.engagement_b.pk})
    assert r.status_code == 400 and "B agents" not in r.content.decode()


def test_bad_filters_are_a_400_with_the_field_named(world, queue):
    r = page_as(world.operator_a).get("/queue/", {"sort": "sideways", "reason": "x"})
    assert r.status_code == 400
    assert "Select a valid choice. sideways is not one of the available choices." in (
        r.content.decode()
    )


def test_filters_survive_pagination_and_reach_each_task_link(world):
    process = ProcessFactory(engagement=world.engagement_a)
    for _ in range(55):
        open_task(DecisionFactory(process=process, reasons=[AMOUNT_REASON]))
    html = page_as(world.operator_a).get("/queue/", {"reason": "amount_above", "sort": "amount"})
    html = html.content.decode()
    assert 'href="?reason=amount_above&amp;sort=amount&amp;page=2" rel="next"' in html
    link = re.search(r'href="(/review-tasks/\d+/\?queue=[^"]+)"', html).group(1)
    queue = parse_qs(urlsplit(link.replace("&amp;", "&")).query)["queue"][0]
    assert parse_qs(queue) == {"reason": ["amount_above"], "sort": ["amount"]}


def test_queue_page_query_count_is_flat_with_filters(world):
    process = ProcessFactory(engagement=world.engagement_a)
    page = page_as(world.operator_a)
    counts = []
    for more in (3, 40):
        for _ in range(more):
            open_task(DecisionFactory(process=process, reasons=[AMOUNT_REASON, NEW_SUPPLIER]))
        with CaptureQueriesContext(connection) as queries:
            r = page.get("/queue/", {"reason": "amount_above", "sort": "amount", "overdue": "no"})
            assert r.status_code == 200
        counts.append(len(queries))
    # 8, plus the page's marks from the apps above reviews (a shadow review's badge).
    assert counts[0] == counts[1] <= 9


# --- resolve and next -----------------------------------------------------------------------


def _resolve(page, task, queue_query=None, **data):
    body = {"outcome": task.decision.proposed_outcome, **data}
    if queue_query is not None:
        body["queue"] = queue_query
    return page.post(f"/review-tasks/{task.pk}/", body)


def test_resolve_and_next_goes_to_the_next_task_of_the_same_filtered_queue(world, queue):
    page = page_as(world.operator_a)
    # Filtered to low confidence, sorted by due: TCK-LATE, PO-SMALL, TCK-1.
    query = "reason=confidence_below"
    html = page.get(f"/review-tasks/{queue['late'].pk}/", {"queue": query}).content.decode()
    assert "Resolve and next" in html and 'name="queue" value="reason=confidence_below"' in html
    assert 'data-testid="queue-position">Task 1 of 3<' in html

    r = _resolve(page, queue["late"], query)
    assert r.status_code == 302
    assert r["Location"] == f"/review-tasks/{queue['small'].pk}/?queue=reason%3Dconfidence_below"
    assert ReviewTask.objects.get(pk=queue["late"].pk).status == "resolved"

    r = _resolve(page, queue["small"], query)
    assert r["Location"].startswith(f"/review-tasks/{queue['ticket'].pk}/?queue=")
    r = _resolve(page, queue["ticket"], query)
    # None left in this queue (PO-BIG is not low confidence): back to it, with a message.
    assert r["Location"] == "/queue/?reason=confidence_below"
    html = page.get(r["Location"]).content.decode()
    assert "No open task left in this queue." in html
    assert ReviewTask.objects.get(pk=queue["big"].pk).status == "open"


def test_resolve_and_next_goes_down_the_list_then_round_to_skipped_ones(world, queue):
    page = page_as(world.operator_a)
    # The second of four (PO-BIG), reached with "next" from TCK-LATE, which stays open.
    r = _resolve(page, queue["big"], "")
    assert r["Location"] == f"/review-tasks/{queue['small'].pk}/?queue="
    _resolve(page, queue["small"], "")
    _resolve(page, queue["ticket"], "")
    r = _resolve(page, queue["ticket"], "")  # already resolved: a conflict, nothing moves
    assert r.status_code == 409
    r = _resolve(page, queue["late"], "")
    assert r["Location"] == "/queue/"


def test_task_page_links_to_previous_and_next_in_the_queue(world, queue):
    html = (
        page_as(world.operator_a)
        .get(f"/review-tasks/{queue['big'].pk}/", {"queue": "sort=due"})
        .content.decode()
    )
    assert f'href="/review-tasks/{queue["late"].pk}/?queue=" rel="prev" data-key="k"' in html
    assert f'href="/review-tasks/{queue["small"].pk}/?queue=" rel="next" data-key="j"' in html
    assert 'href="/queue/" data-key="u"' in html
    assert 'src="/static/js/review-queue.js"' in html
    assert "Keyboard shortcuts" in html


def test_without_the_queue_parameter_resolving_stays_on_the_task(world, queue):
    page = page_as(world.operator_a)
    html = page.get(f"/review-tasks/{queue['big'].pk}/").content.decode()
    assert ">Resolve</button>" in html and 'name="queue"' not in html
    r = _resolve(page, queue["big"])
    assert r["Location"] == f"/review-tasks/{queue['big'].pk}/"


def test_a_bad_queue_parameter_falls_back_to_the_whole_queue(world, queue):
    page = page_as(world.operator_a)
    r = page.get(f"/review-tasks/{queue['big'].pk}/", {"queue": "sort=%%%&engagement=x"})
    assert r.status_code == 200
    r = _resolve(page, queue["big"], "engagement=999999&sort=sideways")
    assert r["Location"] == f"/review-tasks/{queue['small'].pk}/?queue="


def test_resolve_and_next_form_errors_keep_the_queue(world, queue):
    page = page_as(world.operator_a)
    r = _resolve(page, queue["big"], "sort=amount", outcome="__other__", other_outcome="")
    assert r.status_code == 400
    assert 'name="queue" value="sort=amount"' in r.content.decode()


def test_another_clients_user_cannot_reach_the_tasks_through_the_queue(world, queue):
    requests = [
        ("get", f"/review-tasks/{queue['big'].pk}/?queue=sort%3Damount"),
        ("post", f"/review-tasks/{queue['big'].pk}/", {"outcome": "approve", "queue": ""}),
    ]
    assert_hidden(
        page_as(world.operator_b),
        requests,
        unchanged=lambda: list(ReviewTask.objects.values_list("status", flat=True)),
        absent=["Globex"],
    )
    # Their own queue filtered by A's engagement shows none of A's tasks.
    r = page_as(world.operator_b).get("/queue/", {"engagement": world.engagement_a.pk})
    assert r.status_code == 400 and "PO-BIG" not in r.content.decode()


# --- the task page --------------------------------------------------------------------------


def test_task_page_offers_the_outcomes_of_this_decisions_type_only(world):
    process = ProcessFactory(engagement=world.engagement_a)
    route = DecisionTypeFactory(engagement=world.engagement_a, name="route ticket")
    DecisionPointFactory(
        step=StepFactory(process=process), decision_type=route, outcomes=["billing", "VIP desk"]
    )
    dataset = EvaluationDataset.objects.create(process=process, name="history")
    EvaluationCase.objects.create(
        dataset=dataset, case_ref="1", correct_outcome="finance", category="billing"
    )
    typed = open_task(
        DecisionFactory(process=process, proposed_outcome="billing", decision_type=route)
    )
    untyped = open_task(DecisionFactory(process=process, proposed_outcome="security"))
    page = page_as(world.operator_a)

    html = page.get(f"/review-tasks/{typed.pk}/").content.decode()
    assert 'value="VIP desk"' in html and 'value="finance"' not in html
    html = page.get(f"/review-tasks/{untyped.pk}/").content.decode()
    assert 'value="finance"' in html and 'value="VIP desk"' not in html
    assert '<kbd class="key-hint" aria-hidden="true">1</kbd> security' in html


def test_task_page_shows_the_payload_as_indented_escaped_json(world):
    process = ProcessFactory(engagement=world.engagement_a)
    payload = {"memo": "<b>hi</b>", "lines": [{"sku": "A-1", "qty": 2}]}
    task = open_task(DecisionFactory(process=process, payload=payload))
    html = page_as(world.operator_a).get(f"/review-tasks/{task.pk}/").content.decode()
    pre = re.search(r'data-testid="payload">(.*?)</pre>', html, re.S).group(1)
    assert "<b>" not in pre and "&lt;b&gt;hi&lt;/b&gt;" in pre
    pre = unescape(pre)
    assert '\n  "lines": [\n    {\n      "qty": 2,' in pre
    assert '"memo": "<b>hi</b>"' in pre
    assert "payload-truncated" not in html


def test_task_page_truncates_a_huge_payload_and_says_so(world):
    process = ProcessFactory(engagement=world.engagement_a)
    task = open_task(DecisionFactory(process=process, payload={"blob": "x" * 50_000}))
    html = page_as(world.operator_a).get(f"/review-tasks/{task.pk}/").content.decode()
    pre = re.search(r'data-testid="payload">(.*?)</pre>', html, re.S).group(1)
    assert len(unescape(pre)) == PAYLOAD_DISPLAY_LIMIT
    assert 'data-testid="payload-truncated">Truncated' in html


def test_task_page_lists_this_counterpartys_last_five_decisions_of_the_engagement(world):
    process = ProcessFactory(engagement=world.engagement_a)
    older = [
        DecisionFactory(process=process, counterparty="Globex", case_ref=f"G-{i}") for i in range(7)
    ]
    DecisionFactory(process=process, counterparty="Initech", case_ref="OTHER-1")
    DecisionFactory(
        process=ProcessFactory(engagement=world.engagement_b), counterparty="Globex", case_ref="B-1"
    )
    task = open_task(DecisionFactory(process=process, counterparty="Globex", case_ref="G-NOW"))
    html = page_as(world.operator_a).get(f"/review-tasks/{task.pk}/").content.decode()
    section = html[html.index('id="recent-title"') :]
    section = section[: section.index("</section>")]
    assert re.findall(r">(G-\d)</a>", section) == [d.case_ref for d in reversed(older)][:5]
    assert "OTHER-1" not in section and "B-1" not in section


def test_task_page_query_count_is_flat(world):
    process = ProcessFactory(engagement=world.engagement_a)
    page = page_as(world.operator_a)
    counts = []
    for more in (1, 8):
        for _ in range(more):
            decision = DecisionFactory(process=process, counterparty="Globex")
            open_task(decision)
            EdgeCase.objects.create(engagement=world.engagement_a, decision=decision, note="n")
        task = open_task(DecisionFactory(process=process, counterparty="Globex"))
        with CaptureQueriesContext(connection) as queries:
            r = page.get(f"/review-tasks/{task.pk}/", {"queue": "sort=amount"})
            assert r.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_task_page_has_one_edge_case_control(world, queue):
    page = page_as(world.operator_a)
    task = queue["big"]
    html = page.get(f"/review-tasks/{task.pk}/").content.decode()
    assert html.count('name="flag_edge_case"') == 1
    assert f'action="/review-tasks/{task.pk}/flag/"' not in html
    assert html.count(">Flag as edge case<") == 1

    r = page.post(
        f"/review-tasks/{task.pk}/",
        {"outcome": "approve", "flag_edge_case": "on", "edge_case_note": "split order"},
    )
    assert r.status_code == 302
    assert EdgeCase.objects.get(decision=task.decision).note == "split order"
    # Resolved: the resolve form is gone, the flag form takes its place (one control still).
    html = page.get(f"/review-tasks/{task.pk}/").content.decode()
    assert 'name="flag_edge_case"' not in html
    assert html.count(f'action="/review-tasks/{task.pk}/flag/"') == 1
    assert "split order" in html


def test_a_task_without_a_decision_has_no_edge_case_control(world):
    task = ReviewTask.objects.create(
        engagement=world.engagement_a,
        kind=ReviewTask.Kind.DRIFT_INVESTIGATION,
        title="Accuracy dropped",
        assignee=world.operator_a,
        due_at=timezone.now() + timedelta(hours=1),
    )
    page = page_as(world.operator_a)
    html = page.get(f"/review-tasks/{task.pk}/").content.decode()
    assert "flag_edge_case" not in html and "/flag/" not in html
    r = page.post(f"/review-tasks/{task.pk}/", {"outcome": "__other__", "other_outcome": "ok"})
    assert r.status_code == 302
    html = page.get("/queue/").content.decode()
    assert "Accuracy dropped" not in html


def test_queue_page_includes_the_shortcuts_script_and_legend(world, queue):
    html = page_as(world.operator_a).get("/queue/").content.decode()
    assert '<script src="/static/js/review-queue.js" defer></script>' in html
    assert "<kbd>j</kbd>" in html and "Keyboard shortcuts" in html
    assert "<script>" not in html  # no inline script (CSP)
