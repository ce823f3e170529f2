import pytest

from maestro.engagements.lifecycle import gate_evaluate
from maestro.engagements.models import Phase
from maestro.playbooks.services import playbook_version_create
from tests.mapping.factories import ProcessFactory

pytestmark = pytest.mark.django_db


def _check(engagement):
    engagement.phase = Phase.TRAINING
    engagement.save()
    checks = gate_evaluate(engagement=engagement, to_phase=Phase.DEPLOYMENT)
    return next(c for c in checks if c.code == "escalation_playbook_exists")


def test_gate_fails_until_a_process_has_a_playbook_version(world):
    procurement = ProcessFactory(engagement=world.engagement_a, name="Procurement")
    ProcessFactory(engagement=world.engagement_a, name="Tickets")
    other = ProcessFactory(engagement=world.engagement_b, name="Beta process")
    playbook_version_create(
        process=other,
        by=world.consultant_b,
        default_threshold="0.8",
        rules=[],
        sla_minutes=60,
        escalation_chain=[],
    )
    check = _check(world.engagement_a)
    assert not check.passed
    assert check.label == "At least one process has an escalation playbook"
    assert check.detail == "No process has an escalation playbook yet."

    playbook_version_create(
        process=procurement,
        by=world.consultant,
        default_threshold="0.8",
        rules=[{"kind": "new_counterparty"}],
        sla_minutes=60,
        escalation_chain=[],
    )
    check = _check(world.engagement_a)
    assert check.passed
    assert check.detail == (
        "Playbook for: Procurement. Without one (every decision goes to a human): Tickets."
    )
