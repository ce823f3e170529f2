"""The sponsor's summary shows each operator's readiness (handoff.selectors.readiness_summary):
a key figure with the share of every plan's competencies at target, and a panel with each
operator's share, bar and competencies on their ladder; nothing before a plan exists; only the
engagement's own plans; constant queries."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from handoff.models import CheckIn
from maestro.tenancy.models import Membership
from tests.engagements.test_summary import figures
from tests.engagements.test_views import select, text, texts
from tests.handoff.factories import CheckInFactory, CompetencyFactory, SkillTransferPlanFactory
from tests.harness.isolation import assert_hidden, outsiders, page_as
from tests.tenancy.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

STAGES = [("solo", "solo"), ("co_pilot", "co_pilot"), ("solo", "co_pilot"), ("shadow", "solo")]


def summary_url(engagement) -> str:
    return reverse("engagements:summary", args=[engagement.pk])


def _plan(engagement, operator, stages=STAGES, *, names=None):
    plan = SkillTransferPlanFactory(engagement=engagement, operator=operator)
    for i, (current, target) in enumerate(stages):
        name = names[i] if names else f"Skill {i + 1}"
        CompetencyFactory(plan=plan, name=name, current_stage=current, target_stage=target)
    return plan


def test_the_sponsor_reads_each_operators_readiness_and_ladder(client, world):
    world.client_a.time_zone = "Asia/Tokyo"
    world.client_a.save(update_fields=["time_zone"])
    world.operator_a.first_name, world.operator_a.last_name = "Olivia", "Operator"
    world.operator_a.save()
    plan = _plan(
        world.engagement_a,
        world.operator_a,
        names=["Monitoring", "Edge-case review", "Escalation management", "Playbook tuning"],
    )
    CheckInFactory(
        plan=plan,
        scheduled_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),  # 10:30 in Tokyo
        status=CheckIn.Status.RECORDED,
        readiness="0.75",
    )
    client.force_login(world.sponsor_a)

    response = client.get(summary_url(world.engagement_a))

    assert response.status_code == 200
    shown = figures(response)
    assert list(shown)[-1] == "readiness"
    assert shown["readiness"] == {
        "label": "Operator readiness",
        "value": "75.0%",
        "detail": "3 of 4 competencies at target · 1 operator",
    }
    assert "Operator readiness" in texts(response, "main h2")
    (operator,) = select(response, "[data-testid=readiness-operator]")
    assert text(operator.find(".//h3")) == "Olivia Operator 75.0%"
    assert text(operator.find(".//p")) == (
        "3 of 4 competencies at target · last check-in 2 Mar 2026, 10:30"
    )
    bar = [r.get("width") for r in select(response, "[data-testid=readiness-operator] svg rect")]
    assert bar == ["100", "75"]
    rows = [
        (
            text(tr.find("th")),
            text(next(e for e in tr.iter() if e.get("class") == "readiness-stage")),
        )
        for tr in select(response, "[data-testid=readiness-competency]")
    ]
    assert rows == [
        ("Monitoring", "Solo At target"),
        ("Edge-case review", "Co-pilot At target"),
        ("Escalation management", "Solo At target"),
        ("Playbook tuning", "Shadow · target Solo"),
    ]
    ladders = select(response, "ol.stage-ladder")
    assert ladders[3].get("aria-label") == "Playbook tuning: Shadow, target Solo"
    assert [(li.get("class") or "").split() for li in ladders[3]] == [
        ["reached"],
        [],
        ["target"],
    ]
    assert [(li.get("class") or "").split() for li in ladders[1]] == [
        ["reached"],
        ["reached", "target"],
        [],
    ]
    html = response.content.decode()
    assert ' style="' not in html  # the Content-Security-Policy allows none


def test_the_figure_sums_every_operators_competencies_and_says_when_all_are_ready(client, world):
    _plan(world.engagement_a, world.operator_a)  # 3 of 4
    second = MembershipFactory(client=world.client_a, role=Membership.Role.OPERATOR).user
    _plan(world.engagement_a, second, [("solo", "solo"), ("shadow", "co_pilot")])  # 1 of 2
    client.force_login(world.sponsor_a)

    shown = figures(client.get(summary_url(world.engagement_a)))

    assert shown["readiness"]["value"] == "66.7%"
    assert shown["readiness"]["detail"] == "4 of 6 competencies at target · 2 operators"
    assert "tone" not in shown["readiness"]

    _plan(
        world.engagement_a,
        MembershipFactory(client=world.client_a, role=Membership.Role.OPERATOR).user,
        [("solo", "solo")],
    )
    for plan in world.engagement_a.skill_plans.all():
        plan.competencies.update(current_stage="solo")
    shown = figures(client.get(summary_url(world.engagement_a)))
    assert shown["readiness"]["value"] == "100.0%"
    assert shown["readiness"]["tone"] == "ready to run it alone"


def test_no_plan_no_readiness_and_a_plan_without_competencies_says_so(client, world):
    client.force_login(world.sponsor_a)
    response = client.get(summary_url(world.engagement_a))
    assert "readiness" not in figures(response)
    assert not select(response, "[data-testid=readiness-operator]")

    _plan(world.engagement_a, world.operator_a, [])
    shown = figures(client.get(summary_url(world.engagement_a)))
    assert shown["readiness"]["value"] == "—"
    assert shown["readiness"]["detail"] == "1 operator · no competency to reach yet"


def test_only_the_engagements_own_plans_count(client, world):
    _plan(world.engagement_a, world.operator_a)
    outsider = UserFactory(username="bianca", first_name="Bianca", last_name="Beta")
    MembershipFactory(client=world.client_b, user=outsider, role=Membership.Role.OPERATOR)
    _plan(world.engagement_b, outsider, [("shadow", "solo")] * 3, names=["B1", "B2", "B3"])
    client.force_login(world.sponsor_a)

    response = client.get(summary_url(world.engagement_a))

    assert figures(response)["readiness"]["detail"] == "3 of 4 competencies at target · 1 operator"
    html = response.content.decode()
    assert "Bianca" not in html and "B1" not in html
    # And client B's people cannot read A's summary (nor its operator's readiness).
    for user in outsiders(world):
        assert_hidden(page_as(user), [("get", summary_url(world.engagement_a))], absent=["Skill 1"])


def test_readiness_costs_the_same_queries_whatever_the_number_of_plans(client, world):
    client.force_login(world.sponsor_a)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(summary_url(world.engagement_a))
        assert response.status_code == 200
        return len(queries)

    plan = _plan(world.engagement_a, world.operator_a)
    CheckInFactory(plan=plan, status=CheckIn.Status.RECORDED, readiness="0.5")
    small = measure()
    for _i in range(4):
        operator = MembershipFactory(client=world.client_a, role=Membership.Role.OPERATOR).user
        more = _plan(world.engagement_a, operator, STAGES * 2, names=[f"S{n}" for n in range(8)])
        for day in range(1, 4):
            CheckInFactory(
                plan=more,
                scheduled_at=datetime(2026, 3, day, 9, tzinfo=UTC),
                status=CheckIn.Status.RECORDED,
                readiness="0.25",
            )
    assert measure() == small
    assert len(select(client.get(summary_url(world.engagement_a)), ".readiness-operator")) == 5
