from decimal import Decimal

import pytest

from maestro.audit.services import Actor
from maestro.decisions.models import Decision
from maestro.intake.services import decisions_intake
from maestro.intake.services import intake as intake_module
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import Membership
from tests.engagements.factories import EngagementFactory
from tests.harness.races import barrier, run_at_once
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import EscalationPlaybookFactory, PlaybookVersionFactory
from tests.tenancy.factories import MembershipFactory


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "confidence",
    [
        Decimal("0.5000"),  # human: decision and task in one transaction
        Decimal("0.9900"),  # auto: a lone INSERT in autocommit
    ],
)
def test_two_retries_of_one_case_ref_at_once_store_one_decision_and_agree(monkeypatch, confidence):
    engagement = EngagementFactory()
    MembershipFactory(client=engagement.client, role=Membership.Role.OPERATOR)
    process = ProcessFactory(engagement=engagement)
    PlaybookVersionFactory(
        playbook=EscalationPlaybookFactory(process=process),
        number=1,
        rules=[{"kind": "confidence_below"}],
    )
    both_routed = barrier()
    compile_playbook = intake_module.playbook_compiled_for_process

    def compiled_then_wait(**kwargs):
        playbook = compile_playbook(**kwargs)
        both_routed.wait()  # both have routed; neither has inserted yet
        return playbook

    monkeypatch.setattr(intake_module, "playbook_compiled_for_process", compiled_then_wait)
    item = {
        "process": process.pk,
        "case_ref": "RACE-1",
        "proposed_outcome": "approve",
        "confidence": confidence,
    }

    def post():
        return decisions_intake(engagement=engagement, items=[item], actor=Actor.system("test"))[0]

    results: list = run_at_once(post, post)

    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].decision.pk == results[1].decision.pk
    assert results[0].review_task_id == results[1].review_task_id
    assert Decision.objects.filter(case_ref="RACE-1").count() == 1
    human = confidence < Decimal("0.8")
    assert ReviewTask.objects.count() == (1 if human else 0)
    assert (results[0].review_task_id is not None) == human
