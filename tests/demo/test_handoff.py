"""The demo's Northwind engagement is mid-handoff: olivia's plan at 75% readiness after three
recorded check-ins (25% → 50% → 75%), one missed, the next scheduled, and 40 shadow cases with
kappa about 0.7."""

from decimal import Decimal

import pytest
from django.utils import timezone

from handoff.models import DEFAULT_COMPETENCIES, CheckIn, ShadowCase, SkillTransferPlan
from handoff.selectors.evidence import plan_agreement
from handoff.selectors.readiness import readiness_of
from maestro.demo.engagement import NORTHWIND_ENGAGEMENT
from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement, Phase

pytestmark = pytest.mark.django_db


def test_demo_engagement_is_mid_handoff_with_olivias_plan():
    demo_seed()
    demo_seed()  # once only
    engagement = Engagement.objects.get(name=NORTHWIND_ENGAGEMENT)
    assert engagement.phase == Phase.HANDOFF
    handoff = engagement.transitions.get(to_phase=Phase.HANDOFF)
    assert handoff.override_reason == "" and all(c["passed"] for c in handoff.gate_results)

    plan = SkillTransferPlan.objects.get(engagement=engagement)
    assert plan.operator.username == "olivia"
    assert [c.name for c in plan.competencies.order_by("order")] == DEFAULT_COMPETENCIES
    assert readiness_of(plan).share == Decimal("0.75")

    check_ins = list(CheckIn.objects.filter(plan=plan).order_by("scheduled_at"))
    statuses = [c.status for c in check_ins]
    assert statuses == ["recorded", "missed", "recorded", "recorded", "scheduled"]
    recorded = [c.readiness for c in check_ins if c.status == CheckIn.Status.RECORDED]
    assert recorded == [Decimal("0.25"), Decimal("0.5"), Decimal("0.75")]
    missed = check_ins[1]
    assert missed.missed_at is not None and missed.missed_at < timezone.now()
    assert all(c.scheduled_at < timezone.now() for c in check_ins[:4])
    assert check_ins[-1].scheduled_at > timezone.now()
    assert all(c.scheduled_at > handoff.at for c in check_ins)

    assert ShadowCase.objects.filter(plan=plan).count() == 40
    agreement = plan_agreement(plan)
    assert agreement.cases == 40
    assert Decimal("0.65") <= agreement.kappa <= Decimal("0.75")
