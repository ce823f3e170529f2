"""Strict number parsing shared by the API fields, page forms, imports and playbook rules."""

from decimal import Decimal

import pytest
from rest_framework.exceptions import ValidationError

from maestro.lib.forms import DecimalField as FormDecimalField
from maestro.lib.numbers import MAX_AMOUNT, parse_decimal
from maestro.lib.serializers import AmountField, FloatField


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, Decimal(0)),
        (12, Decimal(12)),
        (0.1, Decimal("0.1")),
        ("12.50", Decimal("12.50")),
        (" 7 ", Decimal(7)),
        ("1e3", Decimal("1e3")),
        (".5", Decimal("0.5")),
        ("-3", Decimal(-3)),
        (Decimal("2.5"), Decimal("2.5")),
        (1e308, Decimal("1e308")),
    ],
)
def test_numbers_parse(value, expected):
    assert parse_decimal(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        "",
        " ",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        float("nan"),
        float("inf"),
        "１２３",
        "٣",
        "1_000",
        "1,000",
        "12 50",
        "0x10",
        "1" * 101,
        [],
        {},
        "1e",
        ".",
    ],
)
def test_everything_else_is_refused(value):
    with pytest.raises(ValueError):
        parse_decimal(value)


def test_the_amount_field_bounds_what_every_database_stores_exactly():
    field = AmountField()
    assert field.run_validation("9999999999999.99") == MAX_AMOUNT
    assert float(MAX_AMOUNT) == 9999999999999.99  # a double holds it exactly
    for bad in ("99999999999999.99", "-0.01", "１２３", True, "NaN"):
        with pytest.raises(ValidationError):
            field.run_validation(bad)
    assert AmountField(max_digits=14).max_value == Decimal("999999999999.99")


def test_the_float_field_refuses_booleans():
    with pytest.raises(ValidationError):
        FloatField().run_validation(True)
    assert FloatField().run_validation("0.5") == 0.5


def test_the_form_decimal_field_refuses_full_width_digits():
    field = FormDecimalField(max_digits=5, decimal_places=2)
    assert field.clean("85") == Decimal(85)
    from django.core.exceptions import ValidationError as FormError

    with pytest.raises(FormError):
        field.clean("８５")
