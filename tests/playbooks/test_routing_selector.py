from decimal import Decimal

import pytest

from maestro.mapping.models import DecisionType
from maestro.playbooks.models import EscalationPlaybook, PlaybookVersion
from maestro.playbooks.routing import HUMAN, DecisionFacts, route
from maestro.playbooks.selectors import playbook_compiled_for_process
from tests.mapping.factories import DecisionTypeFactory, ProcessFactory

pytestmark = pytest.mark.django_db


def _version(process, by, number, rules, threshold="0.80"):
    playbook, _ = EscalationPlaybook.objects.get_or_create(process=process)
    return PlaybookVersion.objects.create(
        playbook=playbook,
        number=number,
        rules=rules,
        default_threshold=Decimal(threshold),
        created_by=by,
        escalation_chain=[by.pk],
        sla_minutes=60,
    )


def test_no_playbook_compiles_to_none_in_one_query(world, django_assert_num_queries):
    process = ProcessFactory(engagement=world.engagement_a)
    with django_assert_num_queries(1):
        assert playbook_compiled_for_process(process=process) is None


def test_compiles_the_newest_version_with_the_engagement_decision_types(world):
    process = ProcessFactory(engagement=world.engagement_a)
    DecisionTypeFactory(
        engagement=world.engagement_a,
        name="Invoice approval",
        autonomy=DecisionType.Autonomy.REVIEW_BELOW_THRESHOLD,
        confidence_threshold=Decimal("0.90"),
    )
    DecisionTypeFactory(engagement=world.engagement_b, name="Other tenant's type")
    _version(process, world.consultant, 1, [{"kind": "new_counterparty"}])
    newest = _version(process, world.consultant, 2, [{"kind": "confidence_below"}], "0.70")

    compiled = playbook_compiled_for_process(process=process)

    assert compiled.version_id == newest.pk
    assert compiled.number == 2
    assert compiled.default_threshold == Decimal("0.70")
    assert [r.kind for r in compiled.rules] == ["confidence_below"]
    assert compiled.sla_minutes == 60
    assert compiled.escalation_chain == (world.consultant.pk,)
    assert set(compiled.decision_types) == {"Invoice approval"}
    routing = route(
        compiled,
        DecisionFacts("Invoice approval", "", Decimal("0.85"), None, "", ""),
        known_counterparties=(),
    )
    assert routing.route == HUMAN  # the type's 0.90 wins over the version's 0.70


@pytest.mark.parametrize("size", [1, 40])
def test_query_count_does_not_grow_with_rules_or_decision_types(
    world, size, django_assert_num_queries
):
    process = ProcessFactory(engagement=world.engagement_a)
    for _n in range(size):
        DecisionTypeFactory(engagement=world.engagement_a)
    rules = [{"kind": "category_in", "categories": [f"c{n}"]} for n in range(size)]
    _version(process, world.consultant, 1, rules)
    with django_assert_num_queries(2):
        compiled = playbook_compiled_for_process(process=process)
    assert len(compiled.rules) == size
    assert len(compiled.decision_types) == size
