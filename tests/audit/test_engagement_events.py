"""Engagements record their changes: opened, edited, stance, phase moves and gate overrides."""

from decimal import Decimal

import pytest

from maestro.audit.models import AuditEntry
from maestro.engagements import hooks
from maestro.engagements.models import Engagement, Phase
from maestro.engagements.services import (
    engagement_create,
    engagement_transition,
    engagement_update,
)
from maestro.exceptions import DomainError
from maestro.tenancy.models import Membership
from tests.audit.helpers import only
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db

OVERRIDE = {"override": True, "override_reason": "Maps agreed on paper."}


def test_opening_an_engagement_records_it_once(world):
    colleague = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    engagement = engagement_create(
        client=world.client_a, name="Invoices", by=world.consultant, members=[colleague]
    )

    entry = only("engagement.created")
    assert (entry.actor_user, entry.client, entry.engagement) == (
        world.consultant,
        world.client_a,
        engagement,
    )
    assert (entry.target_type, entry.target_id) == ("engagements.Engagement", str(engagement.pk))
    assert entry.changes == {
        "name": [None, "Invoices"],
        "lead": [None, str(world.consultant)],
        "members": [None, [str(colleague)]],
        "target_accuracy": [None, "0.8500"],
        "phase": [None, "mapping"],
    }


def test_a_failing_step_of_opening_leaves_no_entry(world, monkeypatch):
    def refuse(*, engagement, by):
        raise RuntimeError("starter runbooks could not be made")

    monkeypatch.setattr(hooks, "_created", [*hooks._created, refuse])
    with pytest.raises(RuntimeError):
        engagement_create(client=world.client_a, name="Doomed", by=world.consultant)
    assert not AuditEntry.objects.exists()


def test_an_edit_records_the_fields_that_changed_before_and_after(world):
    member = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    engagement_update(
        engagement=world.engagement_a,
        by=world.consultant,
        name="Renamed",
        description="",  # unchanged: left out
        target_accuracy=Decimal("90"),
        members=[member],
    )

    entry = only("engagement.changed")
    assert entry.actor_user == world.consultant
    assert entry.engagement == world.engagement_a
    assert entry.changes == {
        "name": ["A agents", "Renamed"],
        "target_accuracy": ["0.8500", "0.9000"],
        "members": [[], [str(member)]],
    }
    assert not AuditEntry.objects.filter(event="engagement.stance_changed").exists()


def test_an_edit_that_changes_nothing_records_nothing(world):
    engagement_update(engagement=world.engagement_a, by=world.consultant, name="A agents")
    assert not AuditEntry.objects.exists()


def test_a_stance_change_is_its_own_event(world):
    engagement_update(
        engagement=world.engagement_a, by=world.consultant, stance=Engagement.Stance.ADVISORY
    )

    entry = only("engagement.stance_changed")
    assert entry.changes == {"stance": ["lead", "advisory"]}
    assert not AuditEntry.objects.filter(event="engagement.changed").exists()


def test_a_new_lead_is_recorded_by_name(world):
    other = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    engagement_update(engagement=world.engagement_a, by=world.consultant, lead=other)
    assert only("engagement.changed").changes == {"lead": [str(world.consultant), str(other)]}


def test_a_phase_move_records_from_and_to(world):
    engagement = world.engagement_a
    engagement_transition(
        engagement=engagement, to_phase=Phase.TRAINING, by=world.consultant, **OVERRIDE
    )
    transition = engagement.transitions.get()
    engagement_transition(
        engagement=engagement, to_phase=Phase.MAPPING, by=world.consultant, note="Hidden step"
    )

    moves = AuditEntry.objects.filter(event="engagement.phase_changed").order_by("pk")
    assert [e.changes for e in moves] == [
        {"phase": ["mapping", "training"]},
        {"phase": ["training", "mapping"]},
    ]
    assert moves[0].data == {"transition": transition.pk, "note": ""}
    assert moves[1].data["note"] == "Hidden step"
    assert all(e.actor_user == world.consultant for e in moves)


def test_an_overridden_gate_records_the_reason_and_the_failing_checks(world):
    engagement_transition(
        engagement=world.engagement_a, to_phase=Phase.TRAINING, by=world.consultant, **OVERRIDE
    )

    entry = only("engagement.gate_overridden")
    assert entry.data["reason"] == "Maps agreed on paper."
    assert (entry.data["from_phase"], entry.data["to_phase"]) == ("mapping", "training")
    codes = [check["code"] for check in entry.data["failing_checks"]]
    assert "process_map_ready" in codes
    assert all({"code", "label", "detail"} == set(check) for check in entry.data["failing_checks"])
    assert only("engagement.phase_changed").changes == {"phase": ["mapping", "training"]}


def test_a_move_back_records_no_override(world):
    engagement = world.engagement_a
    engagement_transition(
        engagement=engagement, to_phase=Phase.TRAINING, by=world.consultant, **OVERRIDE
    )
    engagement_transition(
        engagement=engagement, to_phase=Phase.MAPPING, by=world.consultant, note="Hidden step"
    )
    assert AuditEntry.objects.filter(event="engagement.gate_overridden").count() == 1


def test_the_stance_that_moves_with_a_phase_is_part_of_the_move(world):
    engagement = world.engagement_a
    for phase in [Phase.TRAINING, Phase.DEPLOYMENT, Phase.HANDOFF, Phase.ADVISORY]:
        engagement_transition(
            engagement=engagement, to_phase=phase, by=world.consultant, **OVERRIDE
        )

    last = AuditEntry.objects.filter(event="engagement.phase_changed").order_by("pk").last()
    assert last.changes == {"phase": ["handoff", "advisory"], "stance": ["lead", "advisory"]}


def test_a_refused_gate_leaves_no_entry(world):
    with pytest.raises(DomainError):
        engagement_transition(
            engagement=world.engagement_a, to_phase=Phase.TRAINING, by=world.consultant
        )
    assert not AuditEntry.objects.exists()
