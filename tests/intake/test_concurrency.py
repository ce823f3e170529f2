import threading
from decimal import Decimal

import pytest
from django.db import connection

from maestro.decisions.models import Decision
from maestro.intake.services import decisions_intake
from maestro.intake.services import intake as intake_module
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import Membership
from tests.factories import EngagementFactory, MembershipFactory
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import EscalationPlaybookFactory, PlaybookVersionFactory


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared in-memory test database fails a second writer instead of queueing "
    "it; this race runs in the real (PostgreSQL) run of make test.",
)
@pytest.mark.django_db(transaction=True)
def test_two_retries_of_one_case_ref_at_once_store_one_decision_and_agree(monkeypatch):
    engagement = EngagementFactory()
    MembershipFactory(client=engagement.client, role=Membership.Role.OPERATOR)
    process = ProcessFactory(engagement=engagement)
    PlaybookVersionFactory(
        playbook=EscalationPlaybookFactory(process=process),
        number=1,
        rules=[{"kind": "confidence_below"}],
    )
    barrier = threading.Barrier(2)
    compile_playbook = intake_module.playbook_compiled_for_process

    def compiled_then_wait(**kwargs):
        playbook = compile_playbook(**kwargs)
        barrier.wait(timeout=10)  # both have routed; neither has inserted yet
        return playbook

    monkeypatch.setattr(intake_module, "playbook_compiled_for_process", compiled_then_wait)
    item = {
        "process": process.pk,
        "case_ref": "RACE-1",
        "proposed_outcome": "approve",
        "confidence": Decimal("0.5000"),
    }
    results: list = []

    def post() -> None:
        try:
            results.append(decisions_intake(engagement=engagement, items=[item])[0])
        except Exception as exc:  # noqa: BLE001 - the test reports it below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].decision.pk == results[1].decision.pk
    assert results[0].review_task_id == results[1].review_task_id is not None
    assert Decision.objects.filter(case_ref="RACE-1").count() == 1
    assert ReviewTask.objects.count() == 1
