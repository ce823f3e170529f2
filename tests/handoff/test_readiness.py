"""Readiness: the share of a plan's competencies at target, its trend across recorded
check-ins, the chart that draws it, and the API that answers it (constant queries)."""

from datetime import datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from handoff.models import CheckIn, SkillTransferPlan
from handoff.readiness_chart import readiness_trend_svg
from handoff.selectors.readiness import plans_readiness, readiness_of
from tests.handoff.factories import CheckInFactory, CompetencyFactory, SkillTransferPlanFactory
from tests.harness.isolation import api_as

pytestmark = pytest.mark.django_db


def _plan(world, stages):
    plan = SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    for current, target in stages:
        CompetencyFactory(plan=plan, current_stage=current, target_stage=target)
    return plan


def _recorded(plan, days_ago: int, readiness: str):
    return CheckInFactory(
        plan=plan,
        scheduled_at=timezone.now() - timedelta(days=days_ago),
        status=CheckIn.Status.RECORDED,
        readiness=Decimal(readiness),
    )


def test_readiness_counts_competencies_at_or_past_their_target(world):
    plan = _plan(
        world,
        [("solo", "solo"), ("co_pilot", "solo"), ("solo", "co_pilot"), ("shadow", "co_pilot")],
    )
    readiness = readiness_of(plan)
    assert (readiness.at_target, readiness.total) == (2, 4)
    assert readiness.share == Decimal("0.5000")
    assert readiness.figure == "Readiness 50% (2 of 4 competencies at target)"
    assert not readiness.complete
    empty = readiness_of(SkillTransferPlanFactory(engagement=world.engagement_a))
    assert (empty.share, empty.complete) == (None, False)


def test_trend_is_the_recorded_check_ins_in_time_order(world):
    plan = _plan(world, [("solo", "solo")])
    _recorded(plan, 14, "0.5")
    _recorded(plan, 21, "0.25")
    CheckInFactory(plan=plan, status=CheckIn.Status.MISSED)
    CheckInFactory(plan=plan)  # scheduled
    trend = readiness_of(plan).trend
    assert [p.share for p in trend] == [Decimal("0.25"), Decimal("0.5")]


def test_chart_draws_a_point_per_check_in_with_escaped_text(world):
    class P:
        def __init__(self, day, share):
            self.day, self.share = day, share

    points = [P(datetime(2026, 3, d).date(), Decimal(s)) for d, s in ((3, "0.25"), (10, "0.75"))]
    svg = readiness_trend_svg(points=points, title="Readiness of <b>&", id_prefix="r1")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "Readiness of <b>&"
    assert [c.get("data-share") for c in root.iter(f"{ns}circle")] == ["0.2500", "0.7500"]
    assert "25% on 3 Mar to 75% on 10 Mar 2026" in root.find(f"{ns}desc").text
    assert "style" not in svg
    assert ET.fromstring(readiness_trend_svg(points=[])).find(f"{ns}desc").text.startswith("No")


def test_readiness_of_many_plans_takes_three_queries(world, django_assert_num_queries):
    for _ in range(3):
        plan = SkillTransferPlanFactory(engagement=world.engagement_a)
        CompetencyFactory(plan=plan, current_stage="solo")
        _recorded(plan, 7, "1")
    with django_assert_num_queries(3):
        readiness = plans_readiness(SkillTransferPlan.objects.all())
        assert [r.share for r in readiness] == [Decimal("1.0000")] * 3


def test_readiness_api_per_plan_and_per_engagement(world):
    plan = _plan(world, [("solo", "solo"), ("shadow", "solo")])
    _recorded(plan, 7, "0.5")
    answer = api_as(world.sponsor_a).get(f"/api/skill-plans/{plan.pk}/readiness/")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["readiness"], body["at_target"], body["total"]) == ("0.5000", 1, 2)
    assert [p["readiness"] for p in body["trend"]] == ["0.5000"]
    answer = api_as(world.consultant).get(f"/api/engagements/{world.engagement_a.pk}/readiness/")
    assert [p["plan"] for p in answer.json()["plans"]] == [plan.pk]


@pytest.mark.parametrize(
    "url", ["/api/engagements/{e}/readiness/", "/api/engagements/{e}/skill-plans/"]
)
def test_lists_take_the_same_queries_at_two_sizes(world, url, django_assert_max_num_queries):
    api = api_as(world.consultant)
    path = url.format(e=world.engagement_a.pk)

    def measure(plans: int) -> int:
        while SkillTransferPlan.objects.count() < plans:
            plan = SkillTransferPlanFactory(engagement=world.engagement_a)
            CompetencyFactory(plan=plan)
            _recorded(plan, 7, "0")
        with django_assert_max_num_queries(30) as queries:
            assert api.get(path).status_code == 200
        return len(queries)

    assert measure(2) == measure(8)
