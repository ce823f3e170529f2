"""Which escalated decisions go into shadow mode: a deterministic draw at the plan's share, only
in the handoff phase, only for tasks assigned to an operator with a plan there; and what the
draw costs the intake's hot path."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoff.models import ShadowCase
from handoff.services.shadow import plan_shadow_share_set, shadow_draw, shadow_selected
from maestro.audit.models import AuditEntry
from maestro.decisions.models import Decision
from maestro.engagements.models import Phase
from maestro.reviews.services import review_tasks_open_for_decisions
from maestro.tenancy.models import Membership
from tests.decisions import conftest as decisions_fixtures
from tests.decisions.conftest import decision
from tests.decisions.factories import DecisionFactory
from tests.handoff import shadow_fixtures
from tests.handoff.factories import SkillTransferPlanFactory
from tests.handoff.shadow_fixtures import escalate, phase_set
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db

handoff_world = shadow_fixtures.handoff_world
key_a = decisions_fixtures.key_a
agent_a = decisions_fixtures.agent_a
process_a = decisions_fixtures.process_a
playbook_a = decisions_fixtures.playbook_a


# --- the draw -------------------------------------------------------------------------------


def test_the_draw_is_a_fixed_function_of_the_decision_id():
    # A changed salt or hash would reshuffle which decisions are shadowed: pinned here.
    assert shadow_draw(1) == 1531844422774248025
    assert shadow_draw(1) == shadow_draw(1)


def test_share_0_never_and_share_1_always():
    ids = range(1, 2001)
    assert not any(shadow_selected(decision_id=i, share=Decimal("0")) for i in ids)
    assert all(shadow_selected(decision_id=i, share=Decimal("1")) for i in ids)


def test_share_0_2_selects_a_fifth_reproducibly():
    picked = [i for i in range(1, 10_001) if shadow_selected(decision_id=i, share=Decimal("0.2"))]
    assert len(picked) == 2000  # exactly, for these ids: the draw is uniform
    assert picked[:6] == [1, 5, 8, 18, 20, 23]
    again = [i for i in range(1, 10_001) if shadow_selected(decision_id=i, share=Decimal("0.2"))]
    assert picked == again


def test_a_larger_share_keeps_every_decision_a_smaller_one_picked():
    small = {i for i in range(1, 3001) if shadow_selected(decision_id=i, share=Decimal("0.2"))}
    large = {i for i in range(1, 3001) if shadow_selected(decision_id=i, share=Decimal("0.5"))}
    assert small < large


# --- opening tasks ----------------------------------------------------------------------------


def test_share_1_shadows_every_escalated_decision_of_the_plans_operator(handoff_world):
    tasks = escalate(handoff_world.process, 3)

    cases = ShadowCase.objects.filter(task__in=tasks).order_by("pk")
    assert cases.count() == 3
    for case in cases:
        assert case.plan == handoff_world.plan
        assert case.competency == handoff_world.escalation
        assert not case.consultant_answered_at and not case.operator_answered_at
    entries = AuditEntry.objects.filter(event="shadow_case.opened")
    assert entries.count() == 3
    assert {e.actor_kind for e in entries} == {"system"}


def test_share_0_2_shadows_exactly_the_drawn_decisions(handoff_world):
    handoff_world.plan.shadow_share = Decimal("0.2")
    handoff_world.plan.save()

    tasks = escalate(handoff_world.process, 40)

    expected = {
        t.pk for t in tasks if shadow_selected(decision_id=t.decision_id, share=Decimal("0.2"))
    }
    assert 0 < len(expected) < 40
    assert set(ShadowCase.objects.values_list("task_id", flat=True)) == expected


def test_share_0_shadows_nothing(handoff_world):
    handoff_world.plan.shadow_share = Decimal("0")
    handoff_world.plan.save()
    escalate(handoff_world.process, 5)
    assert ShadowCase.objects.count() == 0


@pytest.mark.parametrize("phase", [Phase.DEPLOYMENT, Phase.ADVISORY, Phase.MAPPING])
def test_only_in_the_handoff_phase(handoff_world, phase):
    phase_set(handoff_world.engagement_a, phase)
    escalate(handoff_world.process, 5)
    assert ShadowCase.objects.count() == 0


def test_only_tasks_assigned_to_an_operator_with_a_plan(handoff_world):
    # A second operator, without a plan: least-loaded assignment splits the batch between them.
    other = MembershipFactory(client=handoff_world.client_a, role=Membership.Role.OPERATOR).user
    tasks = escalate(handoff_world.process, 6)

    mine = {t.pk for t in tasks if t.assignee_id == handoff_world.operator_a.pk}
    assert mine and {t.assignee_id for t in tasks} == {handoff_world.operator_a.pk, other.pk}
    assert set(ShadowCase.objects.values_list("task_id", flat=True)) == mine


def test_each_operator_is_shadowed_at_their_own_plans_share(handoff_world):
    other = MembershipFactory(client=handoff_world.client_a, role=Membership.Role.OPERATOR).user
    SkillTransferPlanFactory(
        engagement=handoff_world.engagement_a, operator=other, shadow_share=Decimal("0")
    )
    tasks = escalate(handoff_world.process, 6)
    cases = ShadowCase.objects.select_related("plan")
    assert {c.task_id for c in cases} == {
        t.pk for t in tasks if t.assignee_id == handoff_world.operator_a.pk
    }
    # The competency is null for a plan without "Escalation management".
    assert {c.plan.operator_id for c in cases} == {handoff_world.operator_a.pk}


def test_a_plan_without_the_escalation_competency_gets_cases_without_competency(handoff_world):
    handoff_world.escalation.delete()
    escalate(handoff_world.process, 2)
    assert list(ShadowCase.objects.values_list("competency", flat=True)) == [None, None]


def test_an_agent_retry_opens_no_second_case(handoff_world):
    (task,) = escalate(handoff_world.process)
    review_tasks_open_for_decisions(decisions=[task.decision])
    assert ShadowCase.objects.count() == 1


# --- the hot path's cost ----------------------------------------------------------------------


def _open_queries(process, n: int) -> int:
    ids = [DecisionFactory(process=process).pk for _ in range(n)]
    decisions = list(Decision.objects.filter(pk__in=ids).select_related("engagement"))
    with CaptureQueriesContext(connection) as ctx:
        review_tasks_open_for_decisions(decisions=decisions)
    return len(ctx.captured_queries)


def test_outside_handoff_the_hook_costs_no_query(handoff_world):
    # Earlier tasks, the client's lock, the loads, the process names, tasks, events (no SLA
    # look-up: no playbook version), as without any plan: the plan at share 1 is not read
    # while the engagement is in deployment.
    phase_set(handoff_world.engagement_a, Phase.DEPLOYMENT)
    assert _open_queries(handoff_world.process, 1) == _open_queries(handoff_world.process, 20) == 6


def test_in_handoff_with_no_share_the_hook_costs_one_query_per_batch(handoff_world):
    handoff_world.plan.shadow_share = Decimal("0")
    handoff_world.plan.save()
    assert _open_queries(handoff_world.process, 1) == _open_queries(handoff_world.process, 20) == 7


def test_shadowing_costs_the_same_queries_for_any_batch_size(handoff_world):
    # The plans, the cases' insert, their audit entries' insert.
    assert _open_queries(handoff_world.process, 1) == _open_queries(handoff_world.process, 30) == 9


INTAKE = "/api/decisions/"


def _intake_queries(agent, process, prefix: str, n: int) -> int:
    items = [decision(process, case_ref=f"{prefix}-{i}", confidence=0.3) for i in range(n)]
    with CaptureQueriesContext(connection) as ctx:
        r = agent.post(INTAKE, {"decisions": items}, format="json")
    assert r.status_code == 200, r.json()
    return len(ctx.captured_queries)


@pytest.fixture
def intake(world, agent_a, process_a, playbook_a):
    agent_a.post(INTAKE, decision(process_a, case_ref="warm", confidence=0.3), format="json")
    return agent_a, process_a


def test_intake_queries_are_unchanged_when_nothing_is_shadowed(world, intake):
    agent, process = intake
    before = _intake_queries(agent, process, "before", 5)
    # A plan at share 1 in an engagement not in handoff: nothing to do, not even a query.
    SkillTransferPlanFactory(
        engagement=world.engagement_a, operator=world.operator_a, shadow_share=Decimal("1")
    )
    assert _intake_queries(agent, process, "deploy", 5) == before
    assert ShadowCase.objects.count() == 0
    # In handoff without a share: one query for the batch.
    phase_set(world.engagement_a, Phase.HANDOFF)
    world.engagement_a.skill_plans.update(shadow_share=Decimal("0"))
    assert _intake_queries(agent, process, "handoff", 5) == before + 1


def test_intake_shadowing_costs_the_same_for_any_batch_size(world, intake):
    agent, process = intake
    phase_set(world.engagement_a, Phase.HANDOFF)
    SkillTransferPlanFactory(
        engagement=world.engagement_a, operator=world.operator_a, shadow_share=Decimal("1")
    )
    five = _intake_queries(agent, process, "five", 5)
    fifty = _intake_queries(agent, process, "fifty", 50)
    assert five == fifty
    assert ShadowCase.objects.count() == 55


# --- the share ----------------------------------------------------------------------------------


def test_the_share_is_set_by_a_consultant_and_audited(handoff_world):
    plan_shadow_share_set(
        plan=handoff_world.plan, share=Decimal("0.2"), by=handoff_world.consultant
    )
    handoff_world.plan.refresh_from_db()
    assert handoff_world.plan.shadow_share == Decimal("0.2000")
    entry = AuditEntry.objects.get(event="skill_plan.shadow_share_changed")
    assert entry.changes == {"shadow_share": ["1.0000", "0.2000"]}


@pytest.mark.parametrize("share", ["-0.1", "1.5", "0.12345"])
def test_a_share_outside_0_1_or_too_fine_is_refused(handoff_world, share):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        plan_shadow_share_set(
            plan=handoff_world.plan, share=Decimal(share), by=handoff_world.consultant
        )
    assert "shadow_share" in info.value.message_dict
    handoff_world.plan.refresh_from_db()
    assert handoff_world.plan.shadow_share == Decimal("1")


def test_the_operator_cannot_set_the_share(handoff_world):
    from maestro.exceptions import NotPermitted

    with pytest.raises(NotPermitted):
        plan_shadow_share_set(
            plan=handoff_world.plan, share=Decimal("0"), by=handoff_world.operator_a
        )
