from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from maestro.engagements import lifecycle
from maestro.engagements.models import Engagement, Phase, PhaseTransition
from maestro.engagements.services import (
    client_create,
    engagement_create,
    engagement_transition,
    engagement_update,
)
from maestro.exceptions import DomainError, NotPermitted, StateConflict
from maestro.tenancy.models import Membership
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db

OVERRIDE = {"override": True, "override_reason": "Evidence reviewed offline."}


def _move(engagement, to_phase, by, **kwargs):
    return engagement_transition(engagement=engagement, to_phase=to_phase, by=by, **kwargs)


def test_create_defaults_lead_to_creator_and_target_to_85(world):
    e = engagement_create(client=world.client_a, name="New", by=world.consultant)
    assert (e.lead, e.target_accuracy, e.phase, e.stance) == (
        world.consultant,
        Decimal("85.00"),
        Phase.MAPPING,
        Engagement.Stance.LEAD,
    )


def test_create_refuses_operator(world):
    with pytest.raises(NotPermitted) as exc:
        engagement_create(client=world.client_a, name="New", by=world.operator_a)
    assert exc.value.code == "not_consultant"
    assert not Engagement.objects.filter(name="New").exists()


def test_create_refuses_lead_or_members_who_are_not_consultants_there(world):
    with pytest.raises(ValidationError) as exc:
        engagement_create(
            client=world.client_a,
            name="New",
            by=world.consultant,
            lead=world.operator_a,
            members=[world.consultant_b],
        )
    assert "not a consultant" in exc.value.message_dict["lead"][0]
    assert world.consultant_b.username in exc.value.message_dict["members"][0]


def test_create_refuses_duplicate_name_for_same_client_case_insensitively(world):
    with pytest.raises(ValidationError) as exc:
        engagement_create(client=world.client_a, name="a AGENTS", by=world.consultant)
    assert "already has an engagement" in exc.value.message_dict["name"][0]
    # The same name at another client is fine.
    engagement_create(client=world.client_b, name="A agents", by=world.consultant_b)


def test_create_refuses_target_accuracy_over_100(world):
    with pytest.raises(ValidationError) as exc:
        engagement_create(
            client=world.client_a, name="New", by=world.consultant, target_accuracy=Decimal("101")
        )
    assert "target_accuracy" in exc.value.message_dict


def test_update_changes_details_and_members(world):
    member = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    e = engagement_update(
        engagement=world.engagement_a,
        by=world.consultant,
        name="Renamed",
        target_accuracy=Decimal("90"),
        members=[member],
    )
    e.refresh_from_db()
    assert (e.name, e.target_accuracy, list(e.members.all())) == (
        "Renamed",
        Decimal("90"),
        [member],
    )


def test_update_refused_to_sponsor(world):
    with pytest.raises(NotPermitted):
        engagement_update(engagement=world.engagement_a, by=world.sponsor_a, name="X")


def test_client_create_makes_creator_its_consultant(world):
    client = client_create(name="Gamma", slug="gamma", by=world.consultant)
    assert Membership.objects.get(user=world.consultant, client=client).role == "consultant"


def test_client_create_refuses_operator_and_duplicates(world):
    with pytest.raises(NotPermitted):
        client_create(name="Gamma", slug="gamma", by=world.operator_a)
    with pytest.raises(ValidationError) as exc:
        client_create(name="acme", slug="beta", by=world.consultant)
    assert set(exc.value.message_dict) == {"name", "slug"}


def test_forward_move_with_failing_gate_is_refused_and_nothing_changes(world):
    e = world.engagement_a
    with pytest.raises(DomainError) as exc:
        _move(e, Phase.TRAINING, world.consultant)
    assert exc.value.code == "gate_failed"
    assert exc.value.extra["gates"][0]["code"] == "process_map_ready"
    assert exc.value.extra["gates"][0]["passed"] is False
    e.refresh_from_db()
    assert e.phase == Phase.MAPPING
    assert not PhaseTransition.objects.exists()


def test_override_moves_and_records_who_when_why(world):
    e = world.engagement_a
    t = _move(e, Phase.TRAINING, world.consultant, note="Maps done on paper", **OVERRIDE)
    e.refresh_from_db()
    assert e.phase == Phase.TRAINING
    assert (t.from_phase, t.to_phase, t.by, t.note) == (
        "mapping",
        "training",
        world.consultant,
        "Maps done on paper",
    )
    assert t.override_reason == "Evidence reviewed offline."
    assert t.gate_results[0]["passed"] is False


def test_override_without_reason_is_a_field_error(world):
    with pytest.raises(ValidationError) as exc:
        _move(
            world.engagement_a,
            Phase.TRAINING,
            world.consultant,
            override=True,
            override_reason="   ",
        )
    assert "override_reason" in exc.value.message_dict
    assert not PhaseTransition.objects.exists()


def test_illegal_jump_is_refused(world):
    with pytest.raises(DomainError) as exc:
        _move(world.engagement_a, Phase.HANDOFF, world.consultant, **OVERRIDE)
    assert exc.value.code == "illegal_transition"
    assert "can move to Training" in exc.value.message
    world.engagement_a.refresh_from_db()
    assert world.engagement_a.phase == Phase.MAPPING


def test_unknown_phase_is_a_field_error(world):
    with pytest.raises(ValidationError) as exc:
        _move(world.engagement_a, "launch", world.consultant)
    assert "to_phase" in exc.value.message_dict


def test_backward_move_needs_a_note_and_has_no_gate(world):
    e = world.engagement_a
    _move(e, Phase.TRAINING, world.consultant, **OVERRIDE)
    with pytest.raises(ValidationError) as exc:
        _move(e, Phase.MAPPING, world.consultant)
    assert "note" in exc.value.message_dict
    t = _move(e, Phase.MAPPING, world.consultant, note="Found a hidden approval step")
    assert t.gate_results == [] and t.override_reason == ""


def test_operator_and_sponsor_cannot_move_phases(world):
    for user in (world.operator_a, world.sponsor_a):
        with pytest.raises(NotPermitted) as exc:
            _move(world.engagement_a, Phase.TRAINING, user, **OVERRIDE)
        assert exc.value.code == "not_consultant"


def test_stale_engagement_gets_a_conflict_not_a_second_move(world):
    fresh = Engagement.objects.get(pk=world.engagement_a.pk)
    stale = Engagement.objects.get(pk=world.engagement_a.pk)
    _move(fresh, Phase.TRAINING, world.consultant, **OVERRIDE)
    with pytest.raises(StateConflict) as exc:
        _move(stale, Phase.TRAINING, world.consultant, **OVERRIDE)
    assert exc.value.code == "phase_changed"
    assert PhaseTransition.objects.count() == 1


def test_stance_steps_down_with_the_phases(world):
    e = world.engagement_a
    for phase in [Phase.TRAINING, Phase.DEPLOYMENT, Phase.HANDOFF, Phase.ADVISORY]:
        _move(e, phase, world.consultant, **OVERRIDE)
    assert e.stance == Engagement.Stance.ADVISORY
    _move(e, Phase.CLOSED, world.consultant, **OVERRIDE)
    e.refresh_from_db()
    assert (e.phase, e.stance) == (Phase.CLOSED, Engagement.Stance.OUT)
    assert lifecycle.legal_moves(Phase.CLOSED) == [Phase.ADVISORY]


def test_operator_named_check_reads_the_skill_transfer_plans(world):
    from tests.handoff.factories import SkillTransferPlanFactory

    e = world.engagement_a
    e.phase = Phase.DEPLOYMENT
    checks = {c.code: c for c in lifecycle.gate_evaluate(engagement=e, to_phase=Phase.HANDOFF)}
    assert not checks["operator_named"].passed
    assert not checks["skill_transfer_plan_exists"].passed
    SkillTransferPlanFactory(engagement=e, operator=world.operator_a)
    checks = {c.code: c for c in lifecycle.gate_evaluate(engagement=e, to_phase=Phase.HANDOFF)}
    assert checks["operator_named"].passed
    assert world.operator_a.username in checks["operator_named"].detail
    # An operator who left the client no longer counts.
    Membership.objects.filter(client=world.client_a, role="operator").delete()
    checks = {c.code: c for c in lifecycle.gate_evaluate(engagement=e, to_phase=Phase.HANDOFF)}
    assert not checks["operator_named"].passed


@pytest.mark.parametrize("from_phase,to_phase", list(lifecycle.GATES))
def test_every_forward_gate_fails_closed_until_its_data_exists(world, from_phase, to_phase):
    e = world.engagement_a
    e.phase = from_phase
    checks = lifecycle.gate_evaluate(engagement=e, to_phase=to_phase)
    assert checks, "every forward move has a gate"
    assert not all(c.passed for c in checks)


def test_creator_who_is_not_the_lead_joins_the_team(world):
    colleague = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    e = engagement_create(client=world.client_a, name="New", by=world.consultant, lead=colleague)
    assert list(e.members.all()) == [world.consultant]
