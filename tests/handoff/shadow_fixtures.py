"""Fixtures of the shadow review tests: client A's engagement in handoff, with a plan for its
operator (shadow share 1 unless a test sets it) whose "Escalation management" competency takes
the cases."""

from decimal import Decimal

import pytest

from handoff.models import Competency, ShadowCase, SkillTransferPlan
from maestro.engagements.models import Engagement, Phase
from maestro.reviews.services import review_task_resolve, review_tasks_open_for_decisions
from tests.decisions.factories import DecisionFactory
from tests.handoff.factories import CompetencyFactory, SkillTransferPlanFactory
from tests.mapping.factories import ProcessFactory


def phase_set(engagement: Engagement, phase: str) -> Engagement:
    Engagement.objects.filter(pk=engagement.pk).update(phase=phase)
    engagement.refresh_from_db()
    return engagement


def escalate(process, n: int = 1, **fields) -> list:
    """Open tasks for `n` new human-routed decisions of `process`, as the intake does."""
    decisions = [DecisionFactory(process=process, **fields) for _ in range(n)]
    for decision in decisions:
        decision.engagement = process.engagement
    tasks = review_tasks_open_for_decisions(decisions=decisions)
    return [tasks[d.pk] for d in decisions]


@pytest.fixture
def handoff_world(world):
    """World A in handoff: operator_a's plan (share 1), its competencies, a process."""
    phase_set(world.engagement_a, Phase.HANDOFF)
    world.plan = SkillTransferPlanFactory(
        engagement=world.engagement_a,
        operator=world.operator_a,
        shadow_share=Decimal("1"),
    )
    world.monitoring = CompetencyFactory(plan=world.plan, name="Monitoring", order=0)
    world.escalation = CompetencyFactory(plan=world.plan, name="Escalation management", order=1)
    world.process = ProcessFactory(engagement=world.engagement_a, name="Invoice approval")
    return world


@pytest.fixture
def shadow_case(handoff_world):
    """One open shadow case of operator_a's plan."""
    (task,) = escalate(handoff_world.process, proposed_outcome="approve")
    return ShadowCase.objects.get(task=task)


def operator_resolves(case: ShadowCase, outcome: str):
    task = case.task
    task.refresh_from_db()
    return review_task_resolve(task=task, final_outcome=outcome, by=case.plan.operator)


__all__ = [
    "Competency",
    "SkillTransferPlan",
    "escalate",
    "handoff_world",
    "operator_resolves",
    "phase_set",
    "shadow_case",
]
