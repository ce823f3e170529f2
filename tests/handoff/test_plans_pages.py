"""The skill-transfer pages: consultants create and edit plans and competencies; an operator
reads only their own plan, a sponsor reads readiness without forms, other clients get 404s."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from handoff.models import Competency, SkillTransferPlan
from tests.handoff.factories import CheckInFactory, CompetencyFactory, SkillTransferPlanFactory
from tests.harness.isolation import OUTSIDERS, assert_hidden, page_as
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    plan = SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    CompetencyFactory(plan=plan, name="Monitoring", current_stage="co_pilot")
    CompetencyFactory(plan=plan, name="Edge-case review", current_stage="solo")
    return plan


def test_consultant_creates_a_plan_through_the_form(world):
    client = page_as(world.consultant)
    url = reverse("handoff:plan-create", args=[world.engagement_a.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"operator": world.operator_a.pk, "every_weeks": 0, "weekday": 1,
                            "local_time": "10:00", "duration_minutes": 45,
                            "reminder_minutes": 60, "grace_minutes": 60, "kappa_bar": "0.6",
                            "shadow_cases_min": 30})  # fmt: skip
    assert bad.status_code == 400
    assert "every_weeks" in bad.context["form"].errors
    answer = client.post(url, {"operator": world.operator_a.pk, "every_weeks": 2, "weekday": 3,
                               "local_time": "09:30", "duration_minutes": 45,
                               "reminder_minutes": 60, "grace_minutes": 60, "kappa_bar": "0.6",
                               "shadow_cases_min": 30})  # fmt: skip
    plan = SkillTransferPlan.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "handoff:plan", args=[plan.pk]
    )
    assert (plan.every_weeks, plan.weekday, plan.competencies.count()) == (2, 3, 4)


def test_plan_page_shows_the_ladder_readiness_chart_and_check_ins(world, plan):
    CheckInFactory(plan=plan)
    page = page_as(world.consultant).get(reverse("handoff:plan", args=[plan.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Readiness 50% (1 of 2 competencies at target)" in html
    assert '<progress class="readiness-bar" max="100" value="50"' in html
    assert 'class="chart readiness-chart"' in html
    assert 'aria-label="Monitoring: Co-pilot now, target Solo"' in html
    assert "Upcoming check-ins" in html and "Add competency" in html
    assert "<script" not in html.split("<main", 1)[1] and 'style="' not in html


def test_competency_forms_edit_move_and_remove(world, plan):
    client = page_as(world.consultant)
    monitoring, edge = plan.competencies.order_by("order")
    answer = client.post(
        reverse("handoff:competency-edit", args=[monitoring.pk]),
        {"name": "Monitoring", "target_stage": "solo", "current_stage": "solo", "evidence": "ok"},
    )
    assert answer.status_code == 302
    monitoring.refresh_from_db()
    assert monitoring.current_stage == "solo"
    bad = client.post(
        reverse("handoff:competency-create", args=[plan.pk]),
        {"name": "edge-case review", "target_stage": "solo", "current_stage": "shadow"},
    )
    assert bad.status_code == 400
    assert "already has a competency" in bad.content.decode()
    client.post(reverse("handoff:competency-move", args=[edge.pk]), {"direction": "up"})
    assert list(plan.competencies.order_by("order").values_list("name", flat=True)) == [
        "Edge-case review",
        "Monitoring",
    ]
    client.post(reverse("handoff:competency-delete", args=[edge.pk]))
    assert list(plan.competencies.values_list("name", flat=True)) == ["Monitoring"]


def test_operator_reads_only_their_own_plan_and_no_forms(world, plan):
    other = SkillTransferPlanFactory(
        engagement=world.engagement_a,
        operator=MembershipFactory(client=world.client_a, role="operator").user,
    )
    client = page_as(world.operator_a)
    page = client.get(reverse("handoff:plan", args=[plan.pk]))
    assert page.status_code == 200
    assert "Add competency" not in page.content.decode()
    listing = client.get(reverse("handoff:plans", args=[world.engagement_a.pk])).content.decode()
    assert str(world.operator_a) in listing and str(other.operator) not in listing
    assert client.get(reverse("handoff:plan", args=[other.pk])).status_code == 404
    assert client.get(reverse("handoff:plan-edit", args=[plan.pk])).status_code == 403


def test_sponsor_reads_readiness_without_forms(world, plan):
    client = page_as(world.sponsor_a)
    listing = client.get(reverse("handoff:plans", args=[world.engagement_a.pk]))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Readiness 50%" in html and "New plan" not in html
    competency = plan.competencies.first()
    answer = client.post(reverse("handoff:competency-delete", args=[competency.pk]))
    assert answer.status_code == 403
    assert Competency.objects.filter(pk=competency.pk).exists()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_every_page_is_hidden_from_other_clients(world, plan, who):
    competency = plan.competencies.first()
    e = world.engagement_a

    def state():
        return list(Competency.objects.values_list("pk", "name", "order", "current_stage")), list(
            SkillTransferPlan.objects.values_list("pk", "every_weeks")
        )

    assert_hidden(
        page_as(getattr(world, who)),
        [
            ("get", reverse("handoff:plans", args=[e.pk])),
            ("get", reverse("handoff:plan-create", args=[e.pk])),
            (
                "post",
                reverse("handoff:plan-create", args=[e.pk]),
                {"operator": world.operator_a.pk},
            ),
            ("get", reverse("handoff:plan", args=[plan.pk])),
            ("get", reverse("handoff:plan-edit", args=[plan.pk])),
            ("post", reverse("handoff:plan-edit", args=[plan.pk]), {"every_weeks": 3}),
            ("get", reverse("handoff:competency-create", args=[plan.pk])),
            ("post", reverse("handoff:competency-create", args=[plan.pk]), {"name": "X"}),
            ("get", reverse("handoff:competency-edit", args=[competency.pk])),
            ("post", reverse("handoff:competency-edit", args=[competency.pk]), {"name": "X"}),
            (
                "post",
                reverse("handoff:competency-move", args=[competency.pk]),
                {"direction": "down"},
            ),
            ("post", reverse("handoff:competency-delete", args=[competency.pk])),
        ],
        unchanged=state,
        absent=[str(world.operator_a)],
    )


def test_the_engagement_page_shows_each_operators_readiness_and_missed_check_ins(client, world):
    plan = SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    CompetencyFactory(plan=plan, current_stage="solo")
    CompetencyFactory(plan=plan, current_stage="shadow")
    CheckInFactory(plan=plan, status="missed", missed_at=timezone.now())
    CheckInFactory(plan=plan, scheduled_at=timezone.now() + timedelta(days=8))
    client.force_login(world.sponsor_a)
    html = client.get(world.engagement_a.get_absolute_url()).content.decode()
    panel = html.split('data-testid="skill-plans"', 1)[1].split("</ul>", 1)[0]
    assert "Readiness 50% (1 of 2 competencies at target)" in panel
    assert "1 missed check-in<" in panel
    assert f"/skill-plans/{plan.pk}/" in panel
