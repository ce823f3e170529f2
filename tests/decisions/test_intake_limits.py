"""Limits of the decision intake: nesting depth of the body, and numbers (confidence, amount)
that must be a 400 on their item — never a 500, and never a batch lost for one bad item."""

import json

from maestro.decisions.models import Decision
from tests.decisions.conftest import decision

URL = "/api/decisions/"
DEEP = "[" * 10_000 + "]" * 10_000


def _assert_too_deep(r):
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "json_too_deep"


def test_a_single_decision_nested_10000_deep_is_400(agent_a, process_a, playbook_a):
    body = (
        f'{{"process": {process_a.pk}, "case_ref": "D-1", "proposed_outcome": "approve", '
        f'"confidence": 0.9, "payload": {{"x": {DEEP}}}}}'
    )
    _assert_too_deep(agent_a.post(URL, body, content_type="application/json"))
    assert not Decision.objects.exists()


def test_a_batch_nested_10000_deep_is_400(agent_a, process_a, playbook_a):
    good = json.dumps(decision(process_a, case_ref="D-2"))
    body = '{"decisions": [' + good + ", " + DEEP + "]}"
    _assert_too_deep(agent_a.post(URL, body, content_type="application/json"))
    assert not Decision.objects.exists()


def test_a_payload_nested_within_the_limit_is_stored(agent_a, process_a, playbook_a):
    payload: dict = {}
    inner = payload
    for _ in range(40):  # 40 levels of payload inside the body's 1
        inner["x"] = {}
        inner = inner["x"]
    r = agent_a.post(URL, decision(process_a, payload=payload), format="json")
    assert r.status_code == 201, r.content
    assert Decision.objects.get().payload == payload
