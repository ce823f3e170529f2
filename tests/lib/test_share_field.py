"""ShareField: every share in the API is a fraction from 0 to 1 as a 4-place decimal string."""

from decimal import Decimal

import pytest
from rest_framework import serializers

from maestro.lib.serializers import ShareField


def _in(field: ShareField, data):
    return field.run_validation(data)


def _error(field: ShareField, data) -> str:
    with pytest.raises(serializers.ValidationError) as exc:
        field.run_validation(data)
    return str(exc.value.detail[0])


@pytest.mark.parametrize(
    ("stored", "answer"),
    [
        (Decimal("0.85"), "0.8500"),
        (Decimal("0.8500"), "0.8500"),
        (0.5, "0.5000"),
        (1, "1.0000"),
        (0, "0.0000"),
        ("0.7", "0.7000"),
        (0.123456, "0.1235"),
    ],
)
def test_answers_a_four_place_decimal_string(stored, answer):
    assert ShareField().to_representation(stored) == answer


@pytest.mark.parametrize(
    ("stored", "answer"),
    [(Decimal("85.00"), "0.8500"), (33.33, "0.3333"), (100.0, "1.0000"), (66.67, "0.6667")],
)
def test_converts_a_stored_percent(stored, answer):
    assert ShareField(stored_as="percent").to_representation(stored) == answer


@pytest.mark.parametrize(
    ("data", "value"),
    [("0.8500", Decimal("0.85")), ("0.85", Decimal("0.85")), (0.85, Decimal("0.85")), (1, 1)],
)
def test_reads_a_decimal_string_or_a_number(data, value):
    assert _in(ShareField(), data) == value


def test_percent_storage_gets_percent_with_two_places():
    field = ShareField(stored_as="percent")
    assert str(_in(field, "0.8525")) == "85.25"
    assert str(_in(field, "1")) == "100.00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("85", "less than or equal to 1"),
        (1e308, "less than or equal to 1"),
        ("-0.1", "greater than or equal to 0"),
        (-1e308, "greater than or equal to 0"),
        ("0.12345", "no more than 4 decimal places"),
        (True, "valid number"),
        ("NaN", "valid number"),
        ("85%", "valid number"),
        ("0,85", "valid number"),
        ("１", "valid number"),
    ],
)
def test_refuses_anything_but_a_fraction_with_four_places(data, message):
    assert message in _error(ShareField(), data)


def test_a_percent_is_refused_with_a_hint_to_write_a_fraction():
    assert '"0.8500" for 85%' in _error(ShareField(stored_as="percent"), "85")


def test_storage_with_two_places_refuses_finer_shares_and_takes_padded_ones():
    field = ShareField(places=2)
    assert "no more than 2 decimal places" in _error(field, "0.8512")
    assert _in(field, "0.8500") == Decimal("0.85")


def test_round_input_keeps_four_places_and_checks_the_range_first():
    field = ShareField(round_input=True)
    assert _in(field, 0.87345678) == Decimal("0.8735")
    assert _in(field, "0.12345") == Decimal("0.1234")  # half to even
    assert "less than or equal to 1" in _error(field, 1e24)
