"""Numbers from clients: strict parsing, and the largest amount every database keeps exactly.

Python's Decimal() and float() are lenient in ways an API must not be: they take full-width and
other Unicode digits ("１２３"), underscores ("1_000"), "NaN" and "Infinity", and a JSON `true`
passes as 1 wherever a value is converted with float(). parse_decimal takes only a JSON number
or a plain ASCII decimal string, and refuses everything else.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

# A double keeps 15 significant decimal digits exactly, and SQLite stores a decimal column as
# one (REAL): 99999999999999.99 came back as 99999999999999.98 and then failed Django's
# conversion on every read. 13 digits before the point and 2 after fit every database.
AMOUNT_MAX_DIGITS = 15
AMOUNT_DECIMAL_PLACES = 2
MAX_AMOUNT = Decimal("9999999999999.99")

# Longest number text looked at: bounds the work of Decimal() on hostile input.
MAX_NUMBER_TEXT = 100
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_decimal(value: Any) -> Decimal:
    """The finite Decimal a JSON number (int or float) or an ASCII decimal string ("12.50",
    "1e3", " 7 ") stands for. Raises ValueError for anything else: booleans, None, "NaN",
    "Infinity", Unicode digits, underscores, thousands separators, empty or over-long text."""
    if isinstance(value, bool) or value is None:
        raise ValueError("not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text that round-trips: 0.1, not 0.1000…
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_NUMBER_TEXT or not _NUMBER.fullmatch(text):
            raise ValueError("not a number")
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            raise ValueError("not a number") from None
    else:
        raise ValueError("not a number")
    if not number.is_finite():
        raise ValueError("not a number")
    return number


def decimal_places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers only
    return max(0, -exponent)


def share_from_percent(percent: Decimal | float | int) -> str:
    """A stored percent (85.00) as the API writes a share: a 4-place fraction ("0.8500")."""
    return str((Decimal(str(percent)) / 100).quantize(Decimal("0.0001")))
