import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from maestro.exceptions import DomainError, NotPermitted, StateConflict
from maestro.mapping.models import DecisionType
from maestro.playbooks.models import EscalationPlaybook, KnownCounterparty, PlaybookVersion
from maestro.playbooks.services import playbook_dry_run, playbook_version_create
from maestro.training.models import AgentOutput
from tests.mapping.factories import DecisionTypeFactory, ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory

pytestmark = pytest.mark.django_db

RULES = [
    {"kind": "confidence_below"},
    {"kind": "category_in", "categories": ["Compliance"]},
    {"kind": "amount_above", "amount": "50000", "currency": "USD"},
    {"kind": "new_counterparty"},
]


@pytest.fixture
def process(world):
    return ProcessFactory(engagement=world.engagement_a, name="Procurement approval")


def save(process, by, **overrides):
    fields = {
        "default_threshold": "0.80",
        "rules": RULES,
        "sla_minutes": 240,
        "escalation_chain": [],
        "message": "First rules",
    }
    fields.update(overrides)
    return playbook_version_create(process=process, by=by, **fields)


# --- playbook_version_create ------------------------------------------------------------------


def test_first_save_creates_the_playbook_and_each_edit_a_new_version(world, process):
    first = save(process, world.consultant, escalation_chain=[world.operator_a.pk])
    second = save(
        process,
        world.consultant,
        default_threshold=Decimal("0.9"),
        rules=[{"kind": "new_counterparty"}],
        message="Stricter",
        base_version=1,
    )
    assert EscalationPlaybook.objects.get().process == process
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert first.rules[2] == {"kind": "amount_above", "amount": "50000.00", "currency": "USD"}
    assert first.escalation_chain == [world.operator_a.pk]
    assert first.default_threshold == Decimal("0.80")
    assert second.default_threshold == Decimal("0.90")
    assert second.rules == [{"kind": "new_counterparty"}]
    assert second.created_by == world.consultant


def test_only_consultants_save_versions(world, process):
    for who in (world.operator_a, world.sponsor_a, world.consultant_b):
        with pytest.raises(NotPermitted) as exc:
            save(process, who)
        assert exc.value.code == "not_consultant"
    assert not PlaybookVersion.objects.exists()
    assert not EscalationPlaybook.objects.exists()


def test_invalid_rules_are_field_errors_naming_the_rule(world, process):
    with pytest.raises(ValidationError) as exc:
        save(process, world.consultant, rules=[{"kind": "amount_above", "amount": "10"}])
    assert exc.value.message_dict["rules"] == [
        "Rule 1 (amount_above): 'currency' must be a 3-letter code such as USD."
    ]
    assert not PlaybookVersion.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("default_threshold", "1.5", "must be a number from 0 to 1"),
        ("default_threshold", "abc", "must be a number from 0 to 1"),
        ("default_threshold", "0.805", "at most 2 decimals"),
        ("sla_minutes", 0, "between 1 minute"),
        ("escalation_chain", ["x"], "'x' is not a user id"),
        ("message", "x" * 301, "under 300 characters"),
    ],
)
def test_bad_fields_are_field_errors(world, process, field, value, fragment):
    with pytest.raises(ValidationError) as exc:
        save(process, world.consultant, **{field: value})
    assert fragment in exc.value.message_dict[field][0]


def test_escalation_chain_takes_only_operators_and_consultants_of_the_engagement(world, process):
    ok = save(
        process, world.consultant, escalation_chain=[world.operator_a.pk, world.consultant.pk]
    )
    assert ok.escalation_chain == [world.operator_a.pk, world.consultant.pk]
    for stranger in (world.sponsor_a, world.operator_b, world.consultant_b):
        with pytest.raises(ValidationError) as exc:
            save(process, world.consultant, escalation_chain=[world.operator_a.pk, stranger.pk])
        assert exc.value.message_dict["escalation_chain"] == [
            f"User(s) {stranger.pk} are not operators or consultants of this engagement; "
            "only they can take escalated tasks."
        ]
    with pytest.raises(ValidationError) as exc:
        save(process, world.consultant, escalation_chain=[world.operator_a.pk] * 2)
    assert "appears twice" in exc.value.message_dict["escalation_chain"][0]


def test_a_stale_base_version_is_a_conflict(world, process):
    save(process, world.consultant)
    save(process, world.consultant, base_version=1)
    with pytest.raises(StateConflict) as exc:
        save(process, world.consultant, base_version=1)
    assert exc.value.code == "version_conflict"
    assert PlaybookVersion.objects.count() == 2


# --- playbook_dry_run -------------------------------------------------------------------------

T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


def _case(dataset, training_round, ref, *, hours, predicted="approve", conf=0.95, **fields):
    case = CaseFactory(
        dataset=dataset,
        case_ref=ref,
        correct_outcome=fields.pop("correct", "approve"),
        decided_at=T0 + datetime.timedelta(hours=hours) if hours is not None else None,
        currency=fields.pop("currency", "USD"),
        **fields,
    )
    if predicted is not None:
        AgentOutput.objects.create(
            round=training_round, case=case, predicted_outcome=predicted, confidence=conf
        )
    return case


@pytest.fixture
def loop(world, process):
    """Eight cases, hand-routed with RULES at 0.80 and Acme already known:
    c1 auto right; c2 (Globex, first seen at hour 2) human: new counterparty; c3 (Globex at
    hour 3, created before c2 so id order would differ) auto wrong; c4 human: compliance;
    c5 human: confidence + amount; c6 human: no output (Initech becomes known anyway);
    c7 (Initech, no date so last) auto right; c8 human: amount in EUR."""
    KnownCounterparty.objects.create(process=process, name="Acme")
    dataset = DatasetFactory(process=process)
    rnd = RoundFactory(dataset=dataset)
    other = RoundFactory(dataset=dataset)
    _case(dataset, rnd, "c1", hours=1, counterparty="Acme", amount=Decimal("100"))
    _case(dataset, rnd, "c3", hours=3, counterparty="Globex", predicted="reject", conf=0.9)
    _case(dataset, rnd, "c2", hours=2, counterparty="Globex")
    _case(dataset, rnd, "c4", hours=4, counterparty="Acme", category="Compliance", conf=0.99)
    _case(dataset, rnd, "c5", hours=5, counterparty="Acme", conf=0.5, amount=Decimal("60000"))
    c6 = _case(dataset, rnd, "c6", hours=6, counterparty="Initech", predicted=None)
    _case(dataset, rnd, "c7", hours=None, counterparty="Initech", conf=0.85)
    _case(dataset, rnd, "c8", hours=8, counterparty="Acme", amount=Decimal("10"), currency="EUR")
    # Another round's output for c6 must not count as this round's.
    AgentOutput.objects.create(round=other, case=c6, predicted_outcome="approve", confidence=1)
    return rnd


def test_dry_run_counts_routes_reasons_and_auto_accuracy(world, process, loop):
    save(process, world.consultant)
    result = playbook_dry_run(training_round=loop)
    assert (result.cases, result.human, result.auto, result.auto_correct) == (8, 5, 3, 2)
    assert result.human_share == 62.5
    assert result.auto_accuracy == 66.67
    assert result.version_number == 1
    assert {r["code"]: r["count"] for r in result.reasons} == {
        "new_counterparty": 1,
        "category_always_human": 1,
        "confidence_below": 1,
        "amount_above": 1,
        "amount_currency_mismatch": 1,
        "no_output": 1,
    }
    assert result.reasons[0] == {
        "code": "confidence_below",
        "label": "Confidence below threshold",
        "count": 1,
        "share": 12.5,
    }


def test_dry_run_of_an_old_version_and_decision_type_thresholds(world, process, loop):
    old = save(process, world.consultant, rules=[{"kind": "new_counterparty"}])
    save(process, world.consultant, rules=[])
    result = playbook_dry_run(training_round=loop, version=old)
    # c2 new, c6 no output; everything else auto: c1, c3 (wrong), c4, c5, c7, c8.
    assert (result.human, result.auto, result.auto_correct) == (2, 6, 5)
    assert result.version_number == 1

    DecisionTypeFactory(
        engagement=world.engagement_a,
        name="Invoice",
        autonomy=DecisionType.Autonomy.REVIEW_BELOW_THRESHOLD,
        confidence_threshold=Decimal("0.96"),
    )
    loop.dataset.cases.update(decision_type="Invoice")
    strict = save(process, world.consultant, rules=[{"kind": "confidence_below"}])
    result = playbook_dry_run(training_round=loop, version=strict)
    # Only c4 (0.99) clears 0.96; the rest go to a human (c6 for lack of output).
    assert (result.human, result.auto, result.auto_correct) == (7, 1, 1)


def test_dry_run_needs_a_playbook_of_the_same_process(world, process, loop):
    with pytest.raises(DomainError) as exc:
        playbook_dry_run(training_round=loop)
    assert exc.value.code == "no_playbook"
    other = ProcessFactory(engagement=world.engagement_a)
    foreign = save(other, world.consultant)
    with pytest.raises(DomainError) as exc:
        playbook_dry_run(training_round=loop, version=foreign)
    assert exc.value.code == "wrong_process"


@pytest.mark.parametrize("size", [2, 30])
def test_dry_run_query_count_is_constant(world, process, size, django_assert_num_queries):
    dataset = DatasetFactory(process=process)
    rnd = RoundFactory(dataset=dataset)
    for n in range(size):
        _case(dataset, rnd, f"x{n}", hours=n, counterparty=f"P{n % 3}")
        DecisionTypeFactory(engagement=world.engagement_a)
    save(process, world.consultant, rules=RULES * (size // 4 + 1))
    # process, version, decision types, known counterparties, the rows
    with django_assert_num_queries(5):
        result = playbook_dry_run(training_round=rnd)
    assert result.cases == size
