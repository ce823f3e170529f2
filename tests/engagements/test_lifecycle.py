"""The seam between the lifecycle (engagements) and the gates registered from the top layer."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from maestro.engagements import hooks, lifecycle
from maestro.engagements.models import PHASE_ORDER, Engagement, Phase, PhaseTransition
from maestro.engagements.services import engagement_create, engagement_transition
from maestro.exceptions import DomainError

pytestmark = pytest.mark.django_db


def test_composition_registers_a_gate_for_every_forward_move():
    assert list(lifecycle.GATES) == list(zip(PHASE_ORDER, PHASE_ORDER[1:], strict=False))


def test_forward_move_without_registered_checks_fails_closed(world, monkeypatch):
    monkeypatch.delitem(lifecycle.GATES, (Phase.MAPPING, Phase.TRAINING))
    engagement = world.engagement_a
    [check] = lifecycle.gate_evaluate(engagement=engagement, to_phase=Phase.TRAINING)
    assert (check.code, check.passed) == ("gate_not_registered", False)
    with pytest.raises(DomainError) as exc:
        engagement_transition(engagement=engagement, to_phase=Phase.TRAINING, by=world.consultant)
    assert exc.value.code == "gate_failed"
    engagement.refresh_from_db()
    assert engagement.phase == Phase.MAPPING
    assert not PhaseTransition.objects.exists()


def test_backward_moves_have_no_gate(world):
    engagement = world.engagement_a
    engagement.phase = Phase.TRAINING
    assert lifecycle.gate_evaluate(engagement=engagement, to_phase=Phase.MAPPING) == []


def test_only_forward_moves_with_checks_can_be_registered():
    with pytest.raises(ImproperlyConfigured):
        lifecycle.gate_register(from_phase=Phase.TRAINING, to_phase=Phase.MAPPING, checks=[bool])
    with pytest.raises(ImproperlyConfigured):
        lifecycle.gate_register(from_phase=Phase.MAPPING, to_phase=Phase.TRAINING, checks=[])


def test_a_failing_created_hook_rolls_the_engagement_back(world, monkeypatch):
    def refuse(*, engagement, by):
        raise RuntimeError("starter runbooks could not be made")

    monkeypatch.setattr(hooks, "_created", [*hooks._created, refuse])
    with pytest.raises(RuntimeError):
        engagement_create(client=world.client_a, name="Doomed", by=world.consultant)
    assert not Engagement.objects.filter(name="Doomed").exists()
