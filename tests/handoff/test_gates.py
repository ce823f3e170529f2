"""The handoff gates: deployment → handoff needs an operator named in a plan with a competency;
handoff → advisory needs every plan at 100% readiness, kappa at the plan's bar on enough shadow
cases, and no missed check-in among the last two. Each failing check says its figure."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from handoff.models import CheckIn
from maestro import gates
from maestro.engagements import lifecycle
from maestro.engagements.models import Phase
from tests.handoff.factories import CheckInFactory, CompetencyFactory, SkillTransferPlanFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _checks(engagement, to_phase):
    return {c.code: c for c in lifecycle.gate_evaluate(engagement=engagement, to_phase=to_phase)}


@pytest.fixture
def agreement(monkeypatch):
    """plan_agreement's answer, per plan id (default: kappa 0.70 on 40 cases)."""
    answers: dict[int, SimpleNamespace] = {}

    def fake(plan):
        return answers.get(plan.pk, SimpleNamespace(kappa=Decimal("0.70"), cases=40))

    monkeypatch.setattr(gates, "_plan_agreement", fake)
    return answers


def test_deployment_to_handoff_needs_a_plan_with_a_competency(world):
    e = world.engagement_a
    e.phase = Phase.DEPLOYMENT
    checks = _checks(e, Phase.HANDOFF)
    assert not checks["operator_named"].passed
    assert checks["skill_transfer_plan_exists"].detail == "No skill-transfer plan yet."
    plan = SkillTransferPlanFactory(engagement=e, operator=world.operator_a)
    checks = _checks(e, Phase.HANDOFF)
    assert checks["operator_named"].passed
    assert not checks["skill_transfer_plan_exists"].passed
    assert "has no competency" in checks["skill_transfer_plan_exists"].detail
    CompetencyFactory(plan=plan)
    checks = _checks(e, Phase.HANDOFF)
    assert all(c.passed for c in checks.values())
    assert checks["skill_transfer_plan_exists"].detail == (
        f"{world.operator_a.username}'s plan: 1 competencies"
    )


def _ready_plan(world, *, at_target=4, total=4):
    plan = SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    for i in range(total):
        CompetencyFactory(plan=plan, current_stage="solo" if i < at_target else "co_pilot")
    return plan


def test_handoff_to_advisory_passes_when_every_criterion_is_met(world, agreement):
    e = world.engagement_a
    e.phase = Phase.HANDOFF
    plan = _ready_plan(world)
    CheckInFactory(plan=plan, scheduled_at=timezone.now() - timedelta(days=7),
                   status=CheckIn.Status.RECORDED)  # fmt: skip
    checks = _checks(e, Phase.ADVISORY)
    assert [c.passed for c in checks.values()] == [True, True, True]
    assert checks["operator_ready"].detail == "Readiness 100% (4 of 4 competencies at target)"
    assert (
        checks["shadow_agreement_met"].detail == "kappa 0.70 on 40 shadow cases; needs 0.60 on 30"
    )


def test_readiness_below_100_fails_with_its_figure(world, agreement):
    e = world.engagement_a
    e.phase = Phase.HANDOFF
    _ready_plan(world, at_target=3)
    check = _checks(e, Phase.ADVISORY)["operator_ready"]
    assert not check.passed
    assert check.detail == "Readiness 75% (3 of 4 competencies at target)"


@pytest.mark.parametrize(
    ("kappa", "cases", "detail"),
    [
        (Decimal("0.52"), 34, "kappa 0.52 on 34 shadow cases; needs 0.60 on 30"),
        (Decimal("0.80"), 12, "kappa 0.80 on 12 shadow cases; needs 0.60 on 30"),
        (None, 0, "kappa not measurable on 0 shadow cases; needs 0.60 on 30"),
    ],
)
def test_low_or_thin_agreement_fails_with_its_figure(world, agreement, kappa, cases, detail):
    e = world.engagement_a
    e.phase = Phase.HANDOFF
    plan = _ready_plan(world)
    agreement[plan.pk] = SimpleNamespace(kappa=kappa, cases=cases)
    check = _checks(e, Phase.ADVISORY)["shadow_agreement_met"]
    assert (check.passed, check.detail) == (False, detail)


def test_a_missed_check_in_among_the_last_two_fails_with_its_day(world, agreement):
    e = world.engagement_a
    e.phase = Phase.HANDOFF
    plan = _ready_plan(world)
    now = timezone.now()
    missed_at = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
    CheckInFactory(plan=plan, scheduled_at=missed_at, status=CheckIn.Status.MISSED)
    CheckInFactory(plan=plan, scheduled_at=now - timedelta(days=1), status=CheckIn.Status.RECORDED)
    CheckInFactory(plan=plan, scheduled_at=now + timedelta(days=6))  # upcoming: not counted
    check = _checks(e, Phase.ADVISORY)["check_ins_kept"]
    assert (check.passed, check.detail) == (False, "missed check-in on 12 Mar")
    # A third, newer check-in kept pushes the missed one out of the last two.
    CheckInFactory(plan=plan, scheduled_at=now - timedelta(hours=2), status=CheckIn.Status.RECORDED)
    check = _checks(e, Phase.ADVISORY)["check_ins_kept"]
    assert check.passed
    assert check.detail == "the last 2 check-in(s) kept"


def test_every_plan_must_pass_and_each_is_named(world, agreement):
    e = world.engagement_a
    e.phase = Phase.HANDOFF
    _ready_plan(world)
    other = SkillTransferPlanFactory(
        engagement=e, operator=MembershipFactory(client=world.client_a, role="operator").user
    )
    CompetencyFactory(plan=other, current_stage="shadow")
    check = _checks(e, Phase.ADVISORY)["operator_ready"]
    assert not check.passed
    assert f"{other.operator.username}: Readiness 0% (0 of 1 competency at target)" in check.detail
    assert f"{world.operator_a.username}: Readiness 100%" in check.detail


def test_no_plan_fails_every_handoff_check(world):
    e = world.engagement_a
    e.phase = Phase.HANDOFF
    checks = _checks(e, Phase.ADVISORY)
    assert set(checks) == {"operator_ready", "shadow_agreement_met", "check_ins_kept"}
    assert not any(c.passed for c in checks.values())


def test_the_gate_reads_the_evidence_selectors_agreement(world):
    """Without the fake: a plan with no completed shadow case has no kappa, and the gate
    says how many cases it needs."""
    e = world.engagement_a
    e.phase = Phase.HANDOFF
    plan = _ready_plan(world)
    answer = gates._plan_agreement(plan)
    assert (answer.kappa, answer.cases) == (None, 0)
    check = _checks(e, Phase.ADVISORY)["shadow_agreement_met"]
    assert not check.passed


def test_the_transition_page_explains_the_failing_criteria(client, world, agreement):
    e = world.engagement_a
    e.phase = Phase.HANDOFF
    e.save()
    plan = _ready_plan(world, at_target=3)
    agreement[plan.pk] = SimpleNamespace(kappa=Decimal("0.52"), cases=34)
    client.force_login(world.consultant)
    page = client.get(f"/engagements/{e.pk}/transition/").content.decode()
    assert "Readiness 75% (3 of 4 competencies at target)" in page
    assert "kappa 0.52 on 34 shadow cases; needs 0.60 on 30" in page
