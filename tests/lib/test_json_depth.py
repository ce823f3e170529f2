"""The JSON nesting limit: counted over the text before parsing, and every API parser applies
it."""

import json
import random
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import parsers

from maestro.lib.json import JSONTooDeep, json_depth_exceeds, json_loads_bounded
from maestro.lib.parsers import JSONParser


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ('"[[[{{{"', 0),
        ('{"a": 1}', 1),
        ("[[1]]", 2),
        ('[{"a": [1, "]]]"]}]', 3),
        (r'["\"[[[", [1]]', 2),
        (r'["\\", [1]]', 2),
        ("[[], [], [[]]]", 3),
    ],
)
def test_depth_is_counted_outside_strings(text, depth):
    assert not json_depth_exceeds(text, depth)
    if depth:
        assert json_depth_exceeds(text, depth - 1)


def test_a_10000_deep_text_is_refused_without_recursion():
    text = "[" * 10_000 + "]" * 10_000
    assert json_depth_exceeds(text, 64)
    with pytest.raises(JSONTooDeep):
        json_loads_bounded(text, max_depth=64)


def test_up_to_the_limit_parses():
    text = "[" * 64 + "]" * 64
    assert json_loads_bounded(text, max_depth=64) is not None
    with pytest.raises(JSONTooDeep):
        json_loads_bounded("[" + text + "]", max_depth=64)


def test_a_recursion_error_is_too_deep(monkeypatch):
    def recurse(*args, **kwargs):
        raise RecursionError

    monkeypatch.setattr(json, "loads", recurse)
    with pytest.raises(JSONTooDeep):
        json_loads_bounded("[1]", max_depth=64)


def _views(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )
            if view is not None and hasattr(view, "parser_classes"):
                yield pattern, view


def test_every_api_view_parses_json_with_the_bounded_parser():
    """Views that set parser_classes (DRF's ObtainAuthToken does) must not bring DRF's own
    JSON parser back."""
    views = list(_views())
    assert any(view.__name__ == "TokenObtainApi" for _pattern, view in views)
    for pattern, view in views:
        json_parsers = [p for p in view.parser_classes if issubclass(p, parsers.JSONParser)]
        assert all(issubclass(p, JSONParser) for p in json_parsers), (pattern, view)


def _deepest(text: str) -> int:
    # The plain definition: walk the text, skip strings, count open brackets.
    depth = deepest = 0
    for match in re.finditer(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', text):
        char = match.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def test_depth_agrees_with_the_plain_definition_on_any_text():
    rng = random.Random(64)
    for _ in range(3000):
        text = "".join(rng.choice('[[]]{{}}"\\ab,: ') for _ in range(rng.randint(0, 60)))
        deepest = _deepest(text)
        for limit in (0, 2, 5):
            assert json_depth_exceeds(text, limit) == (deepest > limit), (text, limit)
