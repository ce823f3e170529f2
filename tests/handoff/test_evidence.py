"""The operator's weekly evidence against hand counts, in the client's ISO weeks, at a constant
number of queries; the evidence partial (tag and bare include); the agreement page."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template

from handoff.models import SkillTransferPlan
from handoff.selectors.evidence import plan_evidence
from maestro.reviews.models import ReviewTask
from runbooks import services as runbook_services
from runbooks.models import RunbookRun
from tests.handoff import shadow_fixtures
from tests.handoff.shadow_fixtures import escalate, operator_resolves

pytestmark = pytest.mark.django_db

handoff_world = shadow_fixtures.handoff_world
shadow_case = shadow_fixtures.shadow_case

# Wednesday 2026-03-11, noon in New York; its ISO week starts Monday 9 March.
NOW = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)


def _task(w, *, kind, resolved_at, due_at, assignee=None, resolved_by=None, status="resolved"):
    return ReviewTask.objects.create(
        engagement=w.engagement_a,
        kind=kind,
        title=f"{kind} task",
        assignee=assignee or w.operator_a,
        resolved_by=resolved_by or (w.operator_a if status == "resolved" else None),
        status=status,
        due_at=due_at,
        resolved_at=resolved_at if status == "resolved" else None,
        final_outcome="done" if status == "resolved" else "",
    )


def _run(w, runbook, *, finished_at, status=RunbookRun.Status.COMPLETED, by=None):
    run = RunbookRun.objects.create(
        runbook=runbook,
        version=runbook.published_version,
        started_by=by or w.operator_a,
        status=status,
        finished_by=by or w.operator_a,
        finished_at=finished_at,
    )
    return run


@pytest.fixture
def world_ny(handoff_world):
    w = handoff_world
    w.client_a.time_zone = "America/New_York"
    w.client_a.save()
    # As a page has it: with its engagement and client (the time zone) loaded.
    w.plan = SkillTransferPlan.objects.select_related("engagement__client").get(pk=w.plan.pk)
    rb = runbook_services.runbook_create(
        engagement=w.engagement_a, title="Ops", slug="ops-x", body="- [ ] a\n", by=w.consultant
    )
    w.runbook = runbook_services.runbook_publish(runbook=rb, by=w.consultant)
    return w


def test_weekly_figures_match_hand_counts(world_ny, django_assert_num_queries):
    w = world_ny
    esc, edge, drift = (
        ReviewTask.Kind.ESCALATED_DECISION,
        ReviewTask.Kind.EDGE_CASE_REVIEW,
        ReviewTask.Kind.DRIFT_INVESTIGATION,
    )
    this_week = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tuesday
    # Sunday 8 March 23:30 in New York (Monday 03:30 UTC): last week, not this one.
    sunday_night = datetime(2026, 3, 9, 3, 30, tzinfo=UTC)
    # This week: 3 tasks assigned to the operator resolved, 2 on time (one exactly at due).
    _task(w, kind=esc, resolved_at=this_week, due_at=this_week + timedelta(hours=1))
    _task(w, kind=edge, resolved_at=this_week, due_at=this_week)
    _task(w, kind=drift, resolved_at=this_week, due_at=this_week - timedelta(minutes=1))
    # Assigned to the operator but resolved by the consultant: late, counts against on time,
    # and is not the operator's drift investigation.
    _task(
        w,
        kind=drift,
        resolved_at=this_week,
        due_at=this_week - timedelta(hours=2),
        resolved_by=w.consultant,
    )
    # Not counted: open, another engagement's, someone else's.
    _task(w, kind=esc, resolved_at=None, due_at=this_week, status="open")
    _task(
        w,
        kind=esc,
        resolved_at=this_week,
        due_at=this_week,
        assignee=w.consultant,
        resolved_by=w.consultant,
    )
    # Last week (by New York's clock): one edge-case review, on time.
    _task(w, kind=edge, resolved_at=sunday_night, due_at=sunday_night + timedelta(days=1))
    # Runbook runs: 2 completed this week, 1 last week (Sunday night), 1 abandoned, 1 by
    # someone else.
    _run(w, w.runbook, finished_at=this_week)
    _run(w, w.runbook, finished_at=this_week)
    _run(w, w.runbook, finished_at=sunday_night)
    _run(w, w.runbook, finished_at=this_week, status=RunbookRun.Status.ABANDONED)
    _run(w, w.runbook, finished_at=this_week, by=w.consultant)

    with django_assert_num_queries(2):
        evidence = plan_evidence(w.plan, 8, now=NOW)

    assert [week.monday for week in evidence.weeks] == [
        date(2026, 3, 9) - timedelta(weeks=n) for n in range(7, -1, -1)
    ]
    current, last = evidence.weeks[-1], evidence.weeks[-2]
    assert (current.resolved, current.on_time, current.on_time_rate) == (4, 2, Decimal("0.5000"))
    assert (current.edge_case_reviews, current.drift_investigations, current.runbook_runs) == (
        1,
        1,
        2,
    )
    assert (last.resolved, last.on_time, last.edge_case_reviews, last.runbook_runs) == (1, 1, 1, 1)
    assert last.on_time_rate == Decimal("1.0000")
    assert all(week.resolved == 0 and week.on_time_rate is None for week in evidence.weeks[:-2])
    assert evidence.totals.resolved == 5 and evidence.totals.runbook_runs == 3


def test_the_query_count_does_not_grow_with_volume(world_ny, django_assert_num_queries):
    w = world_ny
    at = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    for _ in range(30):
        _task(w, kind=ReviewTask.Kind.EDGE_CASE_REVIEW, resolved_at=at, due_at=at)
        _run(w, w.runbook, finished_at=at)
    with django_assert_num_queries(2):
        evidence = plan_evidence(w.plan, 8, now=NOW)
    assert evidence.weeks[-1].edge_case_reviews == 30 and evidence.weeks[-1].runbook_runs == 30


def test_the_api_answers_the_weeks_with_shares(world_ny):
    from tests.conftest import client_for

    at = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    _task(world_ny, kind=ReviewTask.Kind.EDGE_CASE_REVIEW, resolved_at=at, due_at=at)
    r = client_for(world_ny.sponsor_a).get(f"/api/skill-plans/{world_ny.plan.pk}/evidence/?weeks=3")
    assert r.status_code == 200
    body = r.json()
    assert body["time_zone"] == "America/New_York" and len(body["weeks"]) == 3
    assert (
        client_for(world_ny.sponsor_a)
        .get(f"/api/skill-plans/{world_ny.plan.pk}/evidence/?weeks=0")
        .status_code
        == 400
    )


def test_the_agreement_api(handoff_world, shadow_case):
    from handoff.services.shadow import shadow_case_answer
    from tests.conftest import client_for

    operator_resolves(shadow_case, "approve")
    shadow_case_answer(case=shadow_case, outcome="approve", by=handoff_world.consultant)
    r = client_for(handoff_world.operator_a).get(
        f"/api/skill-plans/{handoff_world.plan.pk}/agreement/"
    )
    assert r.status_code == 200
    body = r.json()
    assert body["overall"] == {
        "cases": 1,
        "agreed": 1,
        "agreement": "1.0000",
        "kappa": "1.000",
        "band": "almost perfect",
    }
    names = [row["name"] for row in body["competencies"]]
    assert names == ["Monitoring", "Escalation management"]
    assert body["competencies"][1]["overall"]["cases"] == 1
    assert len(body["weeks"]) == 1


# --- the partial and the pages -----------------------------------------------------------------


def test_a_bare_include_renders_the_evidence_with_its_data(handoff_world, shadow_case):
    operator_resolves(shadow_case, "approve")
    html = Template('{% include "handoff/_evidence.html" %}').render(
        Context({"plan": handoff_world.plan})
    )
    assert 'data-testid="evidence"' in html
    assert html.count('data-testid="evidence-competency"') == 2
    assert html.count('data-testid="evidence-week"') == 8
    assert "Escalation management" in html


def test_the_tag_renders_the_same(handoff_world):
    html = Template("{% load handoff_evidence %}{% plan_evidence plan %}").render(
        Context({"plan": handoff_world.plan})
    )
    assert 'data-testid="evidence"' in html


def test_without_a_plan_the_partial_renders_nothing():
    assert Template('{% include "handoff/_evidence.html" %}').render(Context({})).strip() == ""


def test_the_agreement_page(handoff_world, shadow_case):
    from django.test import Client

    from handoff.services.shadow import shadow_case_answer

    operator_resolves(shadow_case, "approve")
    shadow_case_answer(case=shadow_case, outcome="reject", by=handoff_world.consultant)
    page = Client()
    page.force_login(handoff_world.sponsor_a)
    r = page.get(f"/engagements/{handoff_world.engagement_a.pk}/agreement/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "1 case: 0.0% agreement" in html
    assert "Set the shadow share" not in html  # consultants only
    page.force_login(handoff_world.consultant)
    assert (
        "Set the shadow share"
        in page.get(f"/engagements/{handoff_world.engagement_a.pk}/agreement/").content.decode()
    )


def test_the_shadow_queue_lists_the_consultants_cases_oldest_first(handoff_world):
    # The shadow queue page lists the consultant's cases, oldest first.
    from django.test import Client

    tasks = escalate(handoff_world.process, 2)
    page = Client()
    page.force_login(handoff_world.consultant)
    html = page.get("/shadow-reviews/").content.decode()
    assert html.count('data-testid="shadow-row"') == 2
    assert html.index(tasks[0].title) < html.index(tasks[1].title)
    page.force_login(handoff_world.operator_a)
    assert 'data-testid="shadow-row"' not in page.get("/shadow-reviews/").content.decode()
