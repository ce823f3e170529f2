"""Blind until both answered, on the pages and in the API, for both sides: the operator never
sees the consultant's answer before both answered; the consultant never sees the operator's
before answering themself."""

import pytest
from django.test import Client

from handoff.services.shadow import shadow_case_answer
from tests.conftest import client_for
from tests.handoff import shadow_fixtures
from tests.handoff.shadow_fixtures import operator_resolves

pytestmark = pytest.mark.django_db

handoff_world = shadow_fixtures.handoff_world
shadow_case = shadow_fixtures.shadow_case

# Outcomes no page offers as a choice: if one shows, it is the other side's answer.
CONSULTANT_SAYS = "refer-to-legal-consultant"
OPERATOR_SAYS = "hold-for-operator-check"


def page_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _api_case(user, case) -> dict:
    r = client_for(user).get(f"/api/skill-plans/{case.plan_id}/shadow-cases/")
    assert r.status_code == 200
    (row,) = [row for row in r.json()["results"] if row["id"] == case.pk]
    detail = client_for(user).get(f"/api/shadow-cases/{case.pk}/").json()
    assert detail == row
    return row


def test_the_operator_sees_a_badge_but_not_the_consultants_answer(handoff_world, shadow_case):
    w = handoff_world
    shadow_case_answer(case=shadow_case, outcome=CONSULTANT_SAYS, by=w.consultant)
    operator = page_as(w.operator_a)

    queue = _text(operator.get("/queue/"))
    assert "Shadow review" in queue and CONSULTANT_SAYS not in queue
    task_page = _text(operator.get(f"/review-tasks/{shadow_case.task_id}/"))
    assert 'data-testid="shadow-badge"' in task_page and CONSULTANT_SAYS not in task_page
    assert CONSULTANT_SAYS not in _text(operator.get(f"/shadow-reviews/{shadow_case.pk}/"))
    row = _api_case(w.operator_a, shadow_case)
    assert row["consultant_answered"] is True
    assert row["consultant_outcome"] is None and row["agreed"] is None

    operator_resolves(shadow_case, OPERATOR_SAYS)

    assert CONSULTANT_SAYS in _text(operator.get(f"/review-tasks/{shadow_case.task_id}/"))
    assert CONSULTANT_SAYS in _text(operator.get(f"/shadow-reviews/{shadow_case.pk}/"))
    row = _api_case(w.operator_a, shadow_case)
    assert row["consultant_outcome"] == CONSULTANT_SAYS and row["agreed"] is False


def test_the_consultant_does_not_see_the_operators_answer_before_answering(
    handoff_world, shadow_case
):
    w = handoff_world
    operator_resolves(shadow_case, OPERATOR_SAYS)
    consultant = page_as(w.consultant)

    shadow_page = _text(consultant.get(f"/shadow-reviews/{shadow_case.pk}/"))
    assert OPERATOR_SAYS not in shadow_page and "Record my answer" in shadow_page
    task_page = _text(consultant.get(f"/review-tasks/{shadow_case.task_id}/"))
    assert OPERATOR_SAYS not in task_page
    assert f"/shadow-reviews/{shadow_case.pk}/" in task_page  # the way to answer
    task_list = _text(consultant.get(f"/engagements/{w.engagement_a.pk}/review-tasks/"))
    assert OPERATOR_SAYS not in task_list
    queue = _text(consultant.get("/shadow-reviews/"))
    assert shadow_case.task.title in queue and OPERATOR_SAYS not in queue
    row = _api_case(w.consultant, shadow_case)
    assert row["operator_answered"] is True and row["operator_outcome"] is None

    shadow_case_answer(case=shadow_case, outcome=CONSULTANT_SAYS, by=w.consultant)

    shadow_page = _text(consultant.get(f"/shadow-reviews/{shadow_case.pk}/"))
    assert OPERATOR_SAYS in shadow_page and CONSULTANT_SAYS in shadow_page
    assert OPERATOR_SAYS in _text(consultant.get(f"/review-tasks/{shadow_case.task_id}/"))
    assert shadow_case.task.title not in _text(consultant.get("/shadow-reviews/"))
    row = _api_case(w.consultant, shadow_case)
    assert row["operator_outcome"] == OPERATOR_SAYS and row["consultant_outcome"] == CONSULTANT_SAYS


def test_the_consultant_sees_their_own_answer_while_the_operator_has_not(
    handoff_world, shadow_case
):
    w = handoff_world
    shadow_case_answer(case=shadow_case, outcome=CONSULTANT_SAYS, by=w.consultant)
    assert CONSULTANT_SAYS in _text(page_as(w.consultant).get(f"/shadow-reviews/{shadow_case.pk}/"))
    assert _api_case(w.consultant, shadow_case)["consultant_outcome"] == CONSULTANT_SAYS
    # A sponsor sees neither answer before both are in.
    sponsor = page_as(w.sponsor_a)
    assert CONSULTANT_SAYS not in _text(sponsor.get(f"/shadow-reviews/{shadow_case.pk}/"))
    assert _api_case(w.sponsor_a, shadow_case)["consultant_outcome"] is None


def test_a_blind_consultant_is_not_offered_the_resolve_form(handoff_world, shadow_case):
    page = _text(page_as(handoff_world.consultant).get(f"/review-tasks/{shadow_case.task_id}/"))
    assert 'name="outcome"' not in page
    # The operator is.
    page = _text(page_as(handoff_world.operator_a).get(f"/review-tasks/{shadow_case.task_id}/"))
    assert 'name="outcome"' in page


def test_the_shadow_case_list_costs_the_same_queries_for_any_length(
    handoff_world, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.handoff.shadow_fixtures import escalate

    api = client_for(handoff_world.consultant)
    url = f"/api/skill-plans/{handoff_world.plan.pk}/shadow-cases/"
    escalate(handoff_world.process, 2)
    with CaptureQueriesContext(connection) as few:
        assert api.get(url).status_code == 200
    escalate(handoff_world.process, 20)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(url).json()["results"]) == 22
    assert len(few.captured_queries) == len(many.captured_queries)
