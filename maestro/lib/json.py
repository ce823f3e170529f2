"""Checks on JSON values before they reach the database."""

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
