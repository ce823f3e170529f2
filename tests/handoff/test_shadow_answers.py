"""Answering shadow cases: the consultant once (a second answer is a 409), the operator through
the review task; both audited; only the plan's operator's own resolution counts."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from handoff.models import ShadowCase
from handoff.services.shadow import shadow_case_answer
from maestro.audit.models import AuditEntry
from maestro.exceptions import NotPermitted, StateConflict
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import review_task_resolve
from tests.conftest import client_for
from tests.handoff import shadow_fixtures
from tests.handoff.shadow_fixtures import operator_resolves

pytestmark = pytest.mark.django_db

handoff_world = shadow_fixtures.handoff_world
shadow_case = shadow_fixtures.shadow_case


def test_the_consultant_answers_once_and_it_is_audited(handoff_world, shadow_case):
    shadow_case_answer(case=shadow_case, outcome=" Reject ", by=handoff_world.consultant)

    case = ShadowCase.objects.get(pk=shadow_case.pk)
    assert case.consultant == handoff_world.consultant
    assert case.consultant_outcome == "Reject"
    assert case.consultant_answered_at is not None
    entry = AuditEntry.objects.get(event="shadow_case.answered")
    assert entry.actor_user == handoff_world.consultant
    # Who and when, never the answer: the operator may still be answering blind.
    assert "Reject" not in str(entry.changes) + str(entry.data)
    # The task is untouched: the operator's answer is the one that counts.
    assert ShadowCase.objects.get(pk=case.pk).task.status == ReviewTask.Status.OPEN


def test_answering_twice_is_a_conflict_and_keeps_the_first_answer(handoff_world, shadow_case):
    shadow_case_answer(case=shadow_case, outcome="reject", by=handoff_world.consultant)
    stale = ShadowCase.objects.get(pk=shadow_case.pk)
    with pytest.raises(StateConflict) as info:
        shadow_case_answer(case=stale, outcome="approve", by=handoff_world.consultant)
    assert info.value.code == "shadow_already_answered"
    assert "reject" not in info.value.message
    assert ShadowCase.objects.get(pk=shadow_case.pk).consultant_outcome == "reject"
    assert AuditEntry.objects.filter(event="shadow_case.answered").count() == 1


def test_answering_twice_through_the_api_is_a_409(handoff_world, shadow_case):
    api = client_for(handoff_world.consultant)
    url = f"/api/shadow-cases/{shadow_case.pk}/answer/"
    first = api.post(url, {"outcome": "reject"}, format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["consultant_outcome"] == "reject"
    second = api.post(url, {"outcome": "approve"}, format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "shadow_already_answered"
    assert ShadowCase.objects.get(pk=shadow_case.pk).consultant_outcome == "reject"


def test_answering_twice_on_the_page_is_a_409(handoff_world, shadow_case):
    from django.test import Client

    page = Client()
    page.force_login(handoff_world.consultant)
    url = f"/shadow-reviews/{shadow_case.pk}/"
    assert page.post(url, {"outcome": "approve"}).status_code == 302
    again = page.post(url, {"outcome": "__other__", "other_outcome": "reject"})
    assert again.status_code == 409
    assert ShadowCase.objects.get(pk=shadow_case.pk).consultant_outcome == "approve"


@pytest.mark.parametrize("outcome", ["", "   ", "x" * 201])
def test_a_blank_or_long_answer_is_refused(handoff_world, shadow_case, outcome):
    with pytest.raises(ValidationError) as info:
        shadow_case_answer(case=shadow_case, outcome=outcome, by=handoff_world.consultant)
    assert "outcome" in info.value.message_dict
    assert ShadowCase.objects.get(pk=shadow_case.pk).consultant_answered_at is None


def test_the_api_names_the_field_of_a_blank_answer(handoff_world, shadow_case):
    r = client_for(handoff_world.consultant).post(
        f"/api/shadow-cases/{shadow_case.pk}/answer/", {"outcome": " "}, format="json"
    )
    assert r.status_code == 400
    assert "outcome" in r.json()


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_only_consultants_answer(handoff_world, shadow_case, who):
    with pytest.raises(NotPermitted):
        shadow_case_answer(case=shadow_case, outcome="approve", by=getattr(handoff_world, who))
    r = client_for(getattr(handoff_world, who)).post(
        f"/api/shadow-cases/{shadow_case.pk}/answer/", {"outcome": "approve"}, format="json"
    )
    assert r.status_code == 403
    assert ShadowCase.objects.get(pk=shadow_case.pk).consultant_answered_at is None


def test_a_cancelled_tasks_case_takes_no_answer(handoff_world, shadow_case):
    ReviewTask.objects.filter(pk=shadow_case.task_id).update(status=ReviewTask.Status.CANCELLED)
    case = ShadowCase.objects.select_related("task").get(pk=shadow_case.pk)
    with pytest.raises(StateConflict) as info:
        shadow_case_answer(case=case, outcome="approve", by=handoff_world.consultant)
    assert info.value.code == "shadow_task_cancelled"


def test_the_operators_resolution_is_recorded_on_the_case(handoff_world, shadow_case):
    task = operator_resolves(shadow_case, "reject")

    case = ShadowCase.objects.get(pk=shadow_case.pk)
    assert case.operator_outcome == "reject"
    assert case.operator_answered_at == task.resolved_at
    assert AuditEntry.objects.filter(event="shadow_case.operator_answered").count() == 1
    # It counts for the agent as any resolution does.
    assert task.decision.final_outcome == "reject"


def test_a_resolution_by_someone_else_does_not_count(handoff_world, shadow_case):
    task = ReviewTask.objects.get(pk=shadow_case.task_id)
    review_task_resolve(task=task, final_outcome="reject", by=handoff_world.consultant)

    case = ShadowCase.objects.get(pk=shadow_case.pk)
    assert case.operator_outcome == "" and case.operator_answered_at is None


def test_both_answers_make_a_complete_case(handoff_world, shadow_case):
    operator_resolves(shadow_case, "Approve")
    shadow_case_answer(case=shadow_case, outcome="approve", by=handoff_world.consultant)
    case = ShadowCase.objects.get(pk=shadow_case.pk)
    assert case.complete


def test_the_share_through_the_api(handoff_world):
    api = client_for(handoff_world.consultant)
    url = f"/api/skill-plans/{handoff_world.plan.pk}/shadow-share/"
    r = api.patch(url, {"shadow_share": "0.2000"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["shadow_share"] == "0.2000"
    handoff_world.plan.refresh_from_db()
    assert handoff_world.plan.shadow_share == Decimal("0.2")
    for bad in ["1.5", "-0.1", "0.12345", "abc"]:
        r = api.patch(url, {"shadow_share": bad}, format="json")
        assert r.status_code == 400 and "shadow_share" in r.json(), bad
    operator = client_for(handoff_world.operator_a).patch(url, {"shadow_share": "1"}, format="json")
    assert operator.status_code == 403
    handoff_world.plan.refresh_from_db()
    assert handoff_world.plan.shadow_share == Decimal("0.2")


def test_the_share_through_the_page(handoff_world):
    from django.test import Client

    page = Client()
    page.force_login(handoff_world.consultant)
    r = page.post(f"/skill-plans/{handoff_world.plan.pk}/shadow-share/", {"shadow_share": "20"})
    assert r.status_code == 302
    handoff_world.plan.refresh_from_db()
    assert handoff_world.plan.shadow_share == Decimal("0.2")
    page.force_login(handoff_world.operator_a)
    r = page.post(f"/skill-plans/{handoff_world.plan.pk}/shadow-share/", {"shadow_share": "50"})
    assert r.status_code == 403
    handoff_world.plan.refresh_from_db()
    assert handoff_world.plan.shadow_share == Decimal("0.2")
