"""Hostile values an agent (or a fuzzer) may send: each is a 400 naming the field, never a 500,
on SQLite and on PostgreSQL alike."""

import pytest

from maestro.decisions.models import Decision
from tests.decisions.conftest import decision

URL = "/api/decisions/"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"confidence": "NaN"}, "confidence"),
        ({"confidence": "Infinity"}, "confidence"),
        ({"amount": "1e30"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"process": 10**20}, "process"),
        ({"case_ref": "A\x00B"}, "case_ref"),
        ({"category": "x\x00"}, "category"),
        ({"counterparty": "\x00"}, "counterparty"),
    ],
)
def test_hostile_value_is_400_naming_the_field(agent_a, process_a, playbook_a, overrides, field):
    r = agent_a.post(URL, decision(process_a, **overrides), format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()
    assert Decision.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"note": "nul \x00 inside"}, "note"),
        ({"lines": [{"sku": "A"}, {"sku": "B\x00"}]}, "lines[1].sku"),
        ({"k\x00": 1}, "k\\u0000"),
    ],
)
def test_a_payload_with_a_nul_character_is_400_naming_where(
    agent_a, process_a, playbook_a, payload, path
):
    # PostgreSQL cannot store U+0000 in jsonb: without this check it was a 500 there.
    r = agent_a.post(URL, decision(process_a, payload=payload), format="json")
    assert r.status_code == 400, r.content
    assert f"NUL character (\\u0000) at {path};" in r.json()["payload"][0]
    assert Decision.objects.count() == 0


def test_a_backslash_u0000_text_is_not_a_nul_character(agent_a, process_a, playbook_a):
    payload = {"note": "literally \\u0000"}
    r = agent_a.post(URL, decision(process_a, payload=payload), format="json")
    assert r.status_code == 201, r.content
    assert Decision.objects.get().payload == payload


@pytest.mark.parametrize("process", [0, -1, 2**63])
def test_outcome_feedback_refuses_an_impossible_process_id(agent_a, process, process_a):
    r = agent_a.post(
        "/api/decisions/outcomes/",
        {"process": process, "case_ref": "PO-1", "outcome": "approve"},
        format="json",
    )
    assert r.status_code == 400
    assert "process" in r.json()
