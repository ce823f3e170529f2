"""Plans and competencies: who may change them, what is validated (field messages, never a
500), and the audit entry each change leaves with its before and after."""

from datetime import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from handoff.models import DEFAULT_COMPETENCIES, Competency, SkillTransferPlan
from handoff.services import plans as services
from maestro.audit.models import AuditEntry
from maestro.exceptions import NotPermitted
from maestro.tenancy.models import Membership
from tests.handoff.factories import CompetencyFactory, SkillTransferPlanFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _entries(event: str):
    return list(AuditEntry.objects.filter(event=event).order_by("pk"))


def _plan(world, **kwargs):
    return services.plan_create(
        engagement=world.engagement_a, operator=world.operator_a, by=world.consultant, **kwargs
    )


def test_a_new_plan_is_seeded_with_the_four_competencies_and_audited(world):
    plan = _plan(world, weekday=3, local_time=time(14, 30))

    competencies = list(plan.competencies.order_by("order"))
    assert [c.name for c in competencies] == DEFAULT_COMPETENCIES
    assert {(c.target_stage, c.current_stage) for c in competencies} == {("solo", "shadow")}
    assert [c.order for c in competencies] == [0, 1, 2, 3]
    assert (plan.weekday, plan.local_time, plan.created_by) == (3, time(14, 30), world.consultant)
    [entry] = _entries("skill_plan.created")
    assert entry.engagement_id == world.engagement_a.pk
    assert entry.changes["operator"] == [None, world.operator_a.username]
    assert entry.changes["local_time"] == [None, "14:30"]
    assert entry.changes["kappa_bar"] == [None, "0.600"]
    assert entry.changes["competencies"] == [None, DEFAULT_COMPETENCIES]


def test_plan_for_someone_who_is_not_an_operator_of_the_client_is_refused(world):
    for who in (world.sponsor_a, world.operator_b, world.consultant):
        with pytest.raises(ValidationError) as exc:
            services.plan_create(engagement=world.engagement_a, operator=who, by=world.consultant)
        assert "is not an active operator of Acme" in exc.value.message_dict["operator"][0]
    Membership.objects.filter(user=world.operator_a).delete()  # no longer active there
    with pytest.raises(ValidationError):
        _plan(world)
    assert not SkillTransferPlan.objects.exists()


def test_a_second_plan_for_the_same_operator_is_refused(world):
    _plan(world)
    with pytest.raises(ValidationError) as exc:
        _plan(world)
    assert "already has a skill-transfer plan" in exc.value.message_dict["operator"][0]
    assert SkillTransferPlan.objects.count() == 1


def test_only_the_engagements_consultants_manage_plans(world):
    for who in (world.operator_a, world.sponsor_a):
        with pytest.raises(NotPermitted) as exc:
            services.plan_create(engagement=world.engagement_a, operator=world.operator_a, by=who)
        assert exc.value.code == "not_consultant"
    plan = _plan(world)
    with pytest.raises(NotPermitted):
        services.plan_update(plan=plan, by=world.operator_a, every_weeks=2)
    with pytest.raises(NotPermitted):
        services.competency_add(plan=plan, by=world.sponsor_a, name="X")


def test_plan_update_records_before_and_after_and_nothing_when_unchanged(world):
    plan = _plan(world)
    services.plan_update(plan=plan, by=world.consultant, every_weeks=2, kappa_bar=Decimal("0.7"))
    plan.refresh_from_db()
    assert (plan.every_weeks, plan.kappa_bar) == (2, Decimal("0.700"))
    [entry] = _entries("skill_plan.changed")
    assert entry.changes == {"every_weeks": [1, 2], "kappa_bar": ["0.600", "0.700"]}
    services.plan_update(plan=plan, by=world.consultant, every_weeks=2)
    assert len(_entries("skill_plan.changed")) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("every_weeks", 0), ("every_weeks", 9), ("weekday", 7), ("duration_minutes", 5),
     ("kappa_bar", Decimal("1.5")), ("grace_minutes", 99999)],
)  # fmt: skip
def test_plan_update_refuses_values_out_of_range_with_the_field_named(world, field, value):
    plan = _plan(world)
    with pytest.raises(ValidationError) as exc:
        services.plan_update(plan=plan, by=world.consultant, **{field: value})
    assert field in exc.value.message_dict
    assert not _entries("skill_plan.changed")


def test_competencies_are_added_renamed_retargeted_staged_moved_and_removed(world):
    plan = _plan(world)
    added = services.competency_add(
        plan=plan, by=world.consultant, name=" Runbook upkeep ", target_stage="co_pilot"
    )
    assert (added.name, added.order, added.target_stage) == ("Runbook upkeep", 4, "co_pilot")
    [entry] = _entries("competency.added")
    assert entry.changes["name"] == [None, "Runbook upkeep"]
    assert entry.changes["position"] == [None, 4]

    services.competency_update(
        competency=added,
        by=world.consultant,
        name="Runbook care",
        current_stage="co_pilot",
        evidence="Ran two runbooks alone.",
        position=0,
    )
    names = list(plan.competencies.order_by("order").values_list("name", flat=True))
    assert names == ["Runbook care", *DEFAULT_COMPETENCIES]
    assert list(plan.competencies.order_by("order").values_list("order", flat=True)) == [
        0, 1, 2, 3, 4,
    ]  # fmt: skip
    [changed] = _entries("competency.changed")
    assert changed.changes == {
        "name": ["Runbook upkeep", "Runbook care"],
        "current_stage": ["shadow", "co_pilot"],
        "evidence": ["", "Ran two runbooks alone."],
        "position": [4, 0],
    }
    added.refresh_from_db()
    assert added.at_target

    services.competency_remove(competency=added, by=world.consultant)
    assert list(plan.competencies.order_by("order").values_list("order", flat=True)) == [
        0, 1, 2, 3,
    ]  # fmt: skip
    [removed] = _entries("competency.removed")
    assert removed.changes["name"] == ["Runbook care", None]


def test_competency_names_are_unique_per_plan_and_required(world):
    plan = _plan(world)
    with pytest.raises(ValidationError) as exc:
        services.competency_add(plan=plan, by=world.consultant, name="monitoring")
    assert "already has a competency named" in exc.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as exc:
        services.competency_add(plan=plan, by=world.consultant, name="   ")
    assert exc.value.message_dict["name"] == ["A competency needs a name."]
    first = plan.competencies.order_by("order").first()
    with pytest.raises(ValidationError) as exc:
        services.competency_update(competency=first, by=world.consultant, name="Playbook tuning")
    assert "name" in exc.value.message_dict


def test_bad_stage_and_position_are_field_errors(world):
    competency = CompetencyFactory(plan=SkillTransferPlanFactory(engagement=world.engagement_a))
    with pytest.raises(ValidationError) as exc:
        services.competency_update(competency=competency, by=world.consultant, target_stage="pro")
    assert "target_stage" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.competency_update(competency=competency, by=world.consultant, position=3)
    assert exc.value.message_dict["position"] == [
        "Position must be from 0 to 0 (the plan has 1 competencies)."
    ]
    assert not _entries("competency.changed")


def test_custom_competencies_replace_the_defaults_and_duplicates_are_refused(world):
    plan = _plan(world, competencies=["Monitoring", "Vendor calls"])
    assert list(plan.competencies.values_list("name", flat=True)) == ["Monitoring", "Vendor calls"]
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            engagement=world.engagement_a,
            operator=MembershipFactory(client=world.client_a, role="operator").user,
            by=world.consultant,
            competencies=["A", "a"],
        )
    assert "competencies" in exc.value.message_dict
    assert Competency.objects.filter(name="A").count() == 0
