import pytest

from maestro.demo.seed import demo_seed
from maestro.playbooks.models import PlaybookVersion
from maestro.playbooks.services import playbook_dry_run
from maestro.tenancy.models import User
from maestro.training.models import TrainingRound

pytestmark = pytest.mark.django_db


def test_demo_seeds_two_playbooks_once_with_the_operator_then_maria_as_chain():
    demo_seed()
    demo_seed()
    versions = {
        v.playbook.process.name: v for v in PlaybookVersion.objects.select_related("playbook")
    }
    assert set(versions) == {"Procurement approval", "Customer ticket routing"}
    assert all(v.number == 1 for v in versions.values())
    procurement = versions["Procurement approval"]
    assert [r["kind"] for r in procurement.rules] == [
        "confidence_below",
        "category_in",
        "amount_above",
        "new_counterparty",
        "decision_type_always_human",
    ]
    olivia, maria = User.objects.get(username="olivia"), User.objects.get(username="maria")
    assert procurement.escalation_chain == [olivia.pk, maria.pk]


def test_demo_ticket_playbook_dry_runs_on_the_demo_rounds():
    demo_seed()
    latest = TrainingRound.objects.filter(dataset__process__name="Customer ticket routing").latest(
        "number"
    )
    result = playbook_dry_run(training_round=latest)
    assert result.cases == 500
    assert result.human + result.auto == 500
    assert 0 < result.human < 500
    assert {r["code"] for r in result.reasons} <= {"confidence_below", "category_always_human"}
    # Security is one of five categories, spread evenly over the 500 cases.
    assert next(r["count"] for r in result.reasons if r["code"] == "category_always_human") == 100
