"""The intake's quick check (decision_intake_validated) must answer exactly what the serializer
answers whenever it answers at all; anything it is unsure of goes to the serializer."""

import random
from decimal import Decimal

import pytest

from maestro.intake.api.serializers import DecisionIntakeInputSerializer, decision_intake_validated

MISSING = object()
CHOICES = {
    "process": [1, 7, 2**63 - 1, 2**63, 0, -3, "7", 7.0, True, None, MISSING],
    "case_ref": ["PO-1", "  PO-2 ", "x" * 200, "x" * 201, "", "  ", "a\x00b", "ü\udc80", 12, None],
    "decision_type": ["", "contract", " type 3 ", None, 3, MISSING],
    "category": ["office supplies", "", "\t", "é" * 200, "é" * 201, False, MISSING],
    "proposed_outcome": ["approve", " reject ", "", None, 1.5, MISSING],
    "confidence": [
        *(0.93, "0.8734", 0, 1, 0.873456789, 0.99995, 0.00004999, 1e-9, 1.0000001, -0.1, -0.0),
        *("0.5", " 0.25 ", "0.87345", "1", "1.00001", "-0", "1e-1", "１", "0,5", "", "NaN"),
        *(True, None, 1e24, float("nan"), float("inf"), 2, -1),
    ],
    "amount": [
        *("1200.00", 1200, " 1200.5 ", "007", "0", "9999999999999.99", "99999999999999"),
        *(1200.5, 0, 9999999999999, 10000000000000, "1.001", "1e3", "１２", "-1", -1, 1e16),
        *("", " ", "1,200", True, None, MISSING),
    ],
    "currency": ["USD", "eur", " gbp ", "", "US", "U$D", "ÉUR", None, 3, MISSING],
    "counterparty": ["Known Supplier", "", " x ", None, "y" * 201, MISSING],
    "payload": [{}, {"lines": [1, 2]}, {"a": "\x00"}, {"big": "z" * 20_000}, [], None, MISSING],
}
# Mostly values an agent sends, so that many items are valid; the rest from all of CHOICES.
USUAL = {name: [v for v in choices[:4] if v is not MISSING] for name, choices in CHOICES.items()}


def _items(n: int, seed: int = 18):
    rng = random.Random(seed)
    for _ in range(n):
        item = {}
        for name, choices in CHOICES.items():
            value = rng.choice(USUAL[name] if rng.random() < 0.85 else choices)
            if value is not MISSING:
                item[name] = value
        if rng.random() < 0.05:
            item["route"] = "auto"  # an unknown field
        yield item


def _serializer(item):
    serializer = DecisionIntakeInputSerializer(data=item)
    return serializer.validated_data if serializer.is_valid() else None


def _same(quick: dict, slow: dict) -> None:
    assert list(quick) == list(slow)
    for name, value in slow.items():
        assert type(quick[name]) is type(value), name
        assert quick[name] == value, name
        if isinstance(value, Decimal):
            assert str(quick[name]) == str(value), name  # the same exponent: 0.9300, 1200.00


def test_the_quick_check_answers_what_the_serializer_answers():
    answered = 0
    for item in _items(4000):
        quick = decision_intake_validated(item)
        if quick is None:
            continue
        answered += 1
        slow = _serializer(item)
        assert slow is not None, item
        _same(quick, slow)
    assert answered > 50  # the generator reaches the quick path


@pytest.mark.parametrize(
    "item",
    [
        {"process": 3, "case_ref": "C-1", "proposed_outcome": "approve", "confidence": 0.93},
        # A share as the API writes shares: a decimal string, rounded to 4 places.
        {"process": 3, "case_ref": "C-3", "proposed_outcome": "approve", "confidence": "0.87345"},
        {
            "process": 3,
            "case_ref": "C-2",
            "decision_type": "type 3",
            "category": "office supplies",
            "proposed_outcome": "approve",
            "confidence": 0.93,
            "amount": "1200.00",
            "currency": "usd",
            "counterparty": "Known Supplier",
            "payload": {"lines": [{"sku": "A-1", "qty": 3}], "note": "bench"},
        },
    ],
)
def test_decisions_as_agents_send_them_take_the_quick_path(item):
    quick = decision_intake_validated(item)
    assert quick is not None
    _same(quick, _serializer(item))


@pytest.mark.parametrize(
    "item",
    [
        [],
        {"process": "3", "case_ref": "C", "proposed_outcome": "a", "confidence": 0.5},
        {"process": 3, "case_ref": "C", "proposed_outcome": "a", "confidence": "1.5"},
        {"process": 3, "case_ref": "C", "proposed_outcome": "a", "confidence": "NaN"},
        {"process": 3, "case_ref": "C", "proposed_outcome": "a", "confidence": True},
        {"process": 3, "case_ref": "C", "proposed_outcome": "a", "confidence": 2},
        {"process": 3, "case_ref": "C", "proposed_outcome": "a", "confidence": 0.5, "x": 1},
        {"process": 3, "case_ref": "C", "confidence": 0.5},
    ],
)
def test_anything_unusual_goes_to_the_serializer(item):
    assert decision_intake_validated(item) is None


@pytest.mark.parametrize("name", list(CHOICES))
def test_each_value_alone_gets_the_serializers_answer(name):
    """Every listed value of one field in an otherwise usual decision: when the quick check
    answers, it is the serializer's answer."""
    base = {field: choices[0] for field, choices in CHOICES.items()}
    for value in CHOICES[name]:
        item = {k: v for k, v in base.items() if k != name}
        if value is not MISSING:
            item[name] = value
        quick = decision_intake_validated(item)
        slow = _serializer(item)
        if quick is not None:
            assert slow is not None, item
            _same(quick, slow)
