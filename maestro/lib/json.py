"""Checks on JSON values before they reach the database, and bounded parsing of JSON text."""

import json
import re
from itertools import accumulate
from typing import Any


def nul_character_path(value: Any, path: str = "") -> str | None:
    """Where the first NUL character (U+0000) sits in a JSON value — in a key or a string — or
    None. PostgreSQL cannot store it in text or jsonb and fails the whole statement, so callers
    refuse it up front with a message naming the path."""
    if isinstance(value, str):
        return path or "(value)" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here.replace("\x00", "\\u0000")
            found = nul_character_path(item, here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_character_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


# A JSON string (escapes included): removed first, so the brackets inside strings don't count.
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JSONTooDeep(ValueError):
    """The text nests arrays/objects deeper than allowed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"JSON nested deeper than {limit} levels (arrays and objects inside each other)."
        )


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether JSON text nests arrays and objects more than `limit` levels deep (`{"a": 1}` is
    1 level, `[[1]]` 2). A few passes over the text at C speed, no recursion, so it is safe on
    any input and is done before the (recursive) parser sees it. Invalid JSON is left to the
    parser."""
    if text.count("[") + text.count("{") <= limit:
        return False  # the usual case, decided at C speed
    # Then the brackets alone, and the deepest running total of +1/-1 over them: every step at
    # C speed too (a batch of 1,000 decisions has some 30,000 strings and brackets).
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > limit


def json_loads_bounded(text: str, *, max_depth: int, **kwargs: Any) -> Any:
    """json.loads that refuses nesting deeper than `max_depth` with JSONTooDeep (a ValueError)
    instead of a RecursionError (the C parser recurses once per level)."""
    if json_depth_exceeds(text, max_depth):
        raise JSONTooDeep(max_depth)
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise JSONTooDeep(max_depth) from None
