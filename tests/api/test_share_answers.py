"""Every share the API answers on the demo's data is a fraction from 0 to 1 as a decimal string
with 4 places (README, "API conventions"): every GET operation, on real objects."""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import api_schema, path_parameter_sets
from tests.api.test_share_convention import ANSWER, NOT_SHARES, SHARE_NAME

pytestmark = pytest.mark.django_db


def _shares(value, key=""):
    """(key, value) of every share-named scalar in an answer; the values of a dict of shares
    (`category_minimums`) under their dict's name."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _shares(v, key if key == "category_minimums" else k)
    elif isinstance(value, list):
        for item in value:
            yield from _shares(item, key)
    elif SHARE_NAME.search(key) and key not in NOT_SHARES:
        yield key, value


def test_every_share_the_demo_answers_is_a_four_place_fraction(demo):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {demo.tokens['consultant']}")
    seen: dict[str, int] = {}
    for result in api_schema().get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET":
            continue
        for ids in path_parameter_sets(operation.path)[:3]:
            answer = api.get(operation.path.format(**ids))
            if answer.status_code != 200 or answer["Content-Type"] != "application/json":
                continue  # exports (CSV) and files carry no JSON shares
            for key, value in _shares(answer.json()):
                assert value is None or (isinstance(value, str) and ANSWER.match(value)), (
                    f"{operation.path} {key}={value!r}"
                )
                seen[key] = seen.get(key, 0) + (value is not None)
    # Each kind of share the demo has (rounds, engagements, live decisions, playbooks) was seen.
    for key in ("accuracy", "target_accuracy", "confidence", "threshold", "escalation_rate"):
        assert seen.get(key), (key, seen)
