"""The routing engine: pure, no database."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from maestro.playbooks.routing import (
    AUTO,
    HUMAN,
    CompiledPlaybook,
    DecisionFacts,
    DecisionTypeInfo,
    route,
    validate_rules,
)

TYPES = {
    "Invoice approval": DecisionTypeInfo(id=1, autonomy="review_below_threshold", threshold=None),
    "Strict approval": DecisionTypeInfo(
        id=2, autonomy="review_below_threshold", threshold=Decimal("0.90")
    ),
    "Ticket tagging": DecisionTypeInfo(id=3, autonomy="full", threshold=Decimal("0.99")),
    "Sanctions check": DecisionTypeInfo(id=4, autonomy="always_human", threshold=None),
}

PROCUREMENT = [
    {"kind": "confidence_below"},
    {"kind": "category_in", "categories": ["Compliance"]},
    {"kind": "amount_above", "amount": "50000", "currency": "usd"},
    {"kind": "new_counterparty"},
    {"kind": "decision_type_always_human"},
]


def playbook(rules, default="0.80"):
    return CompiledPlaybook(
        version_id=7,
        number=3,
        default_threshold=Decimal(default),
        rules=rules,
        decision_types=TYPES,
    )


def facts(**overrides):
    base = {
        "decision_type": "Invoice approval",
        "category": "office supplies",
        "confidence": Decimal("0.95"),
        "amount": Decimal("1200.00"),
        "currency": "USD",
        "counterparty": "Acme",
    }
    base.update(overrides)
    return DecisionFacts(**base)


def codes(routing):
    return [r.code for r in routing.reasons]


def go(rules, known=("Acme",), **overrides):
    return route(playbook(rules), facts(**overrides), known_counterparties=set(known))


# --- No match ---------------------------------------------------------------------------------


def test_no_rule_matches_routes_auto_without_reasons():
    routing = go(PROCUREMENT)
    assert routing.route == AUTO
    assert routing.reasons == ()


def test_empty_playbook_routes_everything_auto():
    assert go([], known=(), confidence=Decimal("0.01")).route == AUTO


# --- confidence_below -------------------------------------------------------------------------


def test_confidence_below_default_threshold():
    routing = go([{"kind": "confidence_below"}], confidence=Decimal("0.72"))
    assert routing.route == HUMAN
    assert codes(routing) == ["confidence_below"]
    assert routing.reasons[0].message == (
        "Confidence 72% is below the 80% threshold for 'Invoice approval'"
    )


def test_confidence_equal_to_threshold_is_not_below():
    assert go([{"kind": "confidence_below"}], confidence=Decimal("0.80")).route == AUTO


def test_rule_threshold_overrides_the_playbook_default():
    rules = [{"kind": "confidence_below", "threshold": "0.70"}]
    assert go(rules, confidence=Decimal("0.75")).route == AUTO
    assert go(rules, confidence=Decimal("0.65")).route == HUMAN


def test_decision_type_threshold_wins_over_rule_and_default():
    rules = [{"kind": "confidence_below", "threshold": "0.50"}]
    routing = go(rules, decision_type="Strict approval", confidence=Decimal("0.85"))
    assert routing.route == HUMAN
    assert "below the 90% threshold for 'Strict approval'" in routing.reasons[0].message


def test_full_autonomy_types_are_exempt_from_the_confidence_rule():
    routing = go([{"kind": "confidence_below"}], decision_type="Ticket tagging", confidence=0)
    assert routing.route == AUTO


def test_unknown_or_missing_decision_type_uses_the_default_threshold_without_crashing():
    rules = [{"kind": "confidence_below"}, {"kind": "decision_type_always_human"}]
    unknown = go(rules, decision_type="Nobody knows", confidence=Decimal("0.5"))
    assert codes(unknown) == ["confidence_below"]
    missing = go(rules, decision_type=None, confidence=Decimal("0.725"))
    assert missing.reasons[0].message == "Confidence 72.5% is below the 80% threshold"


# --- category_in ------------------------------------------------------------------------------


def test_category_in_matches_case_insensitively():
    routing = go([{"kind": "category_in", "categories": ["Compliance"]}], category=" COMPLIANCE ")
    assert routing.route == HUMAN
    assert routing.reasons[0].code == "category_always_human"
    assert routing.reasons[0].message == "Category 'COMPLIANCE' always goes to a human"


def test_category_in_ignores_other_and_empty_categories():
    rules = [{"kind": "category_in", "categories": ["compliance", "legal"]}]
    assert go(rules, category="finance").route == AUTO
    assert go(rules, category="").route == AUTO


# --- amount_above -----------------------------------------------------------------------------

AMOUNT = [{"kind": "amount_above", "amount": "50000", "currency": "USD"}]


def test_amount_above_limit_in_same_currency():
    routing = go(AMOUNT, amount=Decimal("75000"))
    assert codes(routing) == ["amount_above"]
    assert routing.reasons[0].message == "Amount 75,000.00 USD is above the 50,000.00 USD limit"


def test_amount_at_the_limit_or_below_is_auto():
    assert go(AMOUNT, amount=Decimal("50000.00")).route == AUTO
    assert go(AMOUNT, amount=Decimal("49999.99"), currency="usd").route == AUTO


def test_amount_in_another_currency_fails_closed():
    routing = go(AMOUNT, amount=Decimal("10"), currency="EUR")
    assert routing.route == HUMAN
    assert codes(routing) == ["amount_currency_mismatch"]
    assert routing.reasons[0].message == (
        "Amount in EUR cannot be compared with the 50,000.00 USD limit"
    )


def test_amount_without_currency_fails_closed():
    routing = go(AMOUNT, amount=Decimal("10"), currency="")
    assert codes(routing) == ["amount_currency_mismatch"]
    assert "without a currency" in routing.reasons[0].message


def test_no_amount_never_matches():
    assert go(AMOUNT, amount=None, currency="EUR").route == AUTO


def test_limits_in_two_currencies_compare_each_amount_with_its_own_limit():
    rules = [*AMOUNT, {"kind": "amount_above", "amount": "40000", "currency": "EUR"}]
    assert go(rules, amount=Decimal("45000"), currency="USD").route == AUTO
    eur = go(rules, amount=Decimal("45000"), currency="EUR")
    assert codes(eur) == ["amount_above"]
    gbp = go(rules, amount=Decimal("1"), currency="GBP")
    assert codes(gbp) == ["amount_currency_mismatch"]  # once, not once per rule


# --- new_counterparty -------------------------------------------------------------------------


def test_new_counterparty_matches_unknown_names_only():
    rules = [{"kind": "new_counterparty"}]
    routing = go(rules, known=("Acme",), counterparty="Globex")
    assert codes(routing) == ["new_counterparty"]
    assert routing.reasons[0].message == (
        "Counterparty 'Globex' has never been seen before for this process"
    )
    assert go(rules, known=("Acme",), counterparty="Acme").route == AUTO


def test_empty_counterparty_is_not_new():
    assert go([{"kind": "new_counterparty"}], known=(), counterparty="").route == AUTO


# --- decision_type_always_human ---------------------------------------------------------------


def test_always_human_decision_type():
    rules = [{"kind": "decision_type_always_human"}]
    routing = go(rules, decision_type="Sanctions check")
    assert codes(routing) == ["decision_type_always_human"]
    assert routing.reasons[0].message == "Decision type 'Sanctions check' always goes to a human"
    assert go(rules, decision_type="Invoice approval").route == AUTO


# --- Combinations -----------------------------------------------------------------------------


def test_all_matching_reasons_are_returned_in_rule_order():
    routing = go(
        PROCUREMENT,
        known=(),
        decision_type="Sanctions check",
        category="compliance",
        confidence=Decimal("0.10"),
        amount=Decimal("60000"),
        counterparty="New Co",
    )
    assert routing.route == HUMAN
    assert codes(routing) == [
        "confidence_below",
        "category_always_human",
        "amount_above",
        "new_counterparty",
        "decision_type_always_human",
    ]


def test_rule_order_decides_reason_order():
    rules = list(reversed(PROCUREMENT))
    routing = go(rules, known=(), category="compliance", counterparty="New Co")
    assert codes(routing) == ["new_counterparty", "category_always_human"]


def test_full_autonomy_type_is_still_escalated_by_other_rules():
    routing = go(
        PROCUREMENT,
        decision_type="Ticket tagging",
        confidence=Decimal("0.01"),
        amount=Decimal("99999"),
    )
    assert codes(routing) == ["amount_above"]


def test_two_rules_of_two_kinds_match_while_others_do_not():
    routing = go(PROCUREMENT, confidence=Decimal("0.5"), counterparty="Initech", known=("Acme",))
    assert codes(routing) == ["confidence_below", "new_counterparty"]


# --- validate_rules ---------------------------------------------------------------------------


def test_validate_rules_normalises():
    assert validate_rules(
        [
            {"kind": "confidence_below", "threshold": 0.7},
            {"kind": "category_in", "categories": [" Compliance", "compliance", "Legal"]},
            {"kind": "amount_above", "amount": "50000", "currency": " usd"},
            {"kind": "new_counterparty"},
            {"kind": "confidence_below", "threshold": ""},
        ]
    ) == [
        {"kind": "confidence_below", "threshold": "0.7"},
        {"kind": "category_in", "categories": ["compliance", "legal"]},
        {"kind": "amount_above", "amount": "50000.00", "currency": "USD"},
        {"kind": "new_counterparty"},
        {"kind": "confidence_below"},
    ]


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"kind": "maybe"}, "Rule 2 (maybe): 'kind' must be one of"),
        ({}, "Rule 2 (?): 'kind' must be one of"),
        ("confidence_below", "Rule 2 (?): must be an object"),
        ({"kind": "confidence_below", "threshold": "1.5"}, "'threshold' must be a number from 0"),
        ({"kind": "confidence_below", "threshold": "abc"}, "'threshold' must be a number from 0"),
        ({"kind": "category_in", "categories": []}, "'categories' needs at least one"),
        ({"kind": "category_in", "categories": [1]}, "'categories' must be a list of names"),
        ({"kind": "amount_above", "currency": "USD"}, "Rule 2 (amount_above): 'amount' must"),
        ({"kind": "amount_above", "amount": "-1", "currency": "USD"}, "'amount' must"),
        ({"kind": "amount_above", "amount": "1.001", "currency": "USD"}, "more than 2 decimals"),
        ({"kind": "amount_above", "amount": "1", "currency": "US"}, "'currency' must be a 3"),
        ({"kind": "new_counterparty", "x": 1}, "unknown field(s): x"),
    ],
)
def test_validate_rules_names_the_rule_and_field(rule, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_rules([{"kind": "new_counterparty"}, rule])
    assert any(fragment in message for message in exc.value.messages), exc.value.messages


def test_validate_rules_reports_every_bad_rule():
    with pytest.raises(ValidationError) as exc:
        validate_rules([{"kind": "x"}, {"kind": "new_counterparty"}, {"kind": "category_in"}])
    assert [m.split(":")[0] for m in exc.value.messages] == [
        "Rule 1 (x)",
        "Rule 3 (category_in)",
    ]


def test_validate_rules_rejects_a_non_list_and_too_many_rules():
    with pytest.raises(ValidationError) as exc:
        validate_rules({"kind": "new_counterparty"})
    assert exc.value.messages == ["Rules must be a list."]
    with pytest.raises(ValidationError) as exc:
        validate_rules([{"kind": "new_counterparty"}] * 51)
    assert exc.value.messages == ["A playbook has at most 50 rules."]


def test_compiled_playbook_rejects_invalid_rules():
    with pytest.raises(ValidationError):
        playbook([{"kind": "amount_above"}])


def test_explain_false_gives_the_same_codes_without_messages():
    explained = go(
        PROCUREMENT, known=(), category="compliance", confidence=Decimal("0.1"), counterparty="New"
    )
    routing = route(
        playbook(PROCUREMENT),
        facts(category="compliance", confidence=Decimal("0.1"), counterparty="New"),
        known_counterparties=set(),
        explain=False,
    )
    assert (
        codes(routing)
        == codes(explained)
        == [
            "confidence_below",
            "category_always_human",
            "new_counterparty",
        ]
    )
    assert all(reason.message == "" for reason in routing.reasons)
