"""Limits of the decision intake: nesting depth of the body, and numbers (confidence, amount)
that must be a 400 on their item — never a 500, and never a batch lost for one bad item."""

import json
from decimal import Decimal

import pytest
from django.test import Client as HttpClient

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


# --- confidence and amount ----------------------------------------------------------------------

HOSTILE_CONFIDENCE = [1e24, 1e30, 1e308, -1e308, True, False, "NaN", "Infinity", "０.９", "1_0"]


@pytest.mark.parametrize("confidence", HOSTILE_CONFIDENCE)
def test_a_hostile_confidence_is_400_naming_the_field(agent_a, process_a, playbook_a, confidence):
    r = agent_a.post(URL, decision(process_a, confidence=confidence), format="json")
    assert r.status_code == 400, r.content
    assert list(r.json()) == ["confidence"]
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("confidence", "fragment"),
    [
        (1e24, "less than or equal to 1"),
        (-1e308, "greater than or equal to 0"),
        (True, "valid number"),
        ("NaN", "valid number"),
    ],
)
def test_confidence_messages(agent_a, process_a, playbook_a, confidence, fragment):
    r = agent_a.post(URL, decision(process_a, confidence=confidence), format="json")
    assert fragment in r.json()["confidence"][0]


def test_hostile_confidences_in_a_batch_reject_only_their_items(agent_a, process_a, playbook_a):
    items = [decision(process_a, case_ref="OK-0", confidence=0.91)]
    for index, confidence in enumerate(HOSTILE_CONFIDENCE, 1):
        items.append(decision(process_a, case_ref=f"BAD-{index}", confidence=confidence))
    items.append(decision(process_a, case_ref="OK-last", confidence="0.87654"))
    r = agent_a.post(URL, {"decisions": items}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (2, len(HOSTILE_CONFIDENCE))
    for row in body["results"][1:-1]:
        assert row["status"] == "rejected" and list(row["errors"]) == ["confidence"], row
    assert [row["index"] for row in body["results"]] == list(range(len(items)))
    stored = dict(Decision.objects.values_list("case_ref", "confidence"))
    assert stored == {"OK-0": Decimal("0.9100"), "OK-last": Decimal("0.8765")}


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [
        ("-5", "greater than or equal to 0"),
        (-0.01, "greater than or equal to 0"),
        ("１２３", "valid number"),
        ("1_000", "valid number"),
        (True, "valid number"),
        ("99999999999999.99", "no more than 15 digits"),
        ("10000000000000", "no more than 13 digits before the decimal point"),
        (1e308, "no more than 15 digits"),
    ],
)
def test_a_bad_amount_is_400_on_its_item_only(agent_a, process_a, playbook_a, amount, fragment):
    r = agent_a.post(URL, decision(process_a, amount=amount), format="json")
    assert r.status_code == 400, r.content
    assert fragment in r.json()["amount"][0]
    assert not Decision.objects.exists()
    items = [
        decision(process_a, case_ref="A-0"),
        decision(process_a, case_ref="A-1", amount=amount),
    ]
    body = agent_a.post(URL, {"decisions": items}, format="json").json()
    assert [row["status"] for row in body["results"]] == ["accepted", "rejected"]
    assert list(body["results"][1]["errors"]) == ["amount"]
    assert list(Decision.objects.values_list("case_ref", flat=True)) == ["A-0"]


def test_the_largest_amount_round_trips_and_the_decision_pages_render(
    agent_a, process_a, playbook_a, world
):
    """On SQLite an amount is a REAL: 99999999999999.99 was stored as 99999999999999.98 and
    every later read of the decision failed (a 500 on both pages). The largest amount accepted
    now has 15 significant digits, which a double keeps exactly."""
    old_largest = agent_a.post(URL, decision(process_a, amount="99999999999999.99"), format="json")
    assert old_largest.status_code == 400
    assert not Decision.objects.exists()
    r = agent_a.post(URL, decision(process_a, amount="9999999999999.99"), format="json")
    assert r.status_code == 201, r.content
    assert Decision.objects.get(pk=r.json()["id"]).amount == Decimal("9999999999999.99")
    assert list(Decision.objects.values_list("amount", flat=True)) == [Decimal("9999999999999.99")]
    pages = HttpClient()
    pages.force_login(world.operator_a)
    listing = pages.get(f"/engagements/{world.engagement_a.pk}/decisions/")
    assert listing.status_code == 200
    detail = pages.get(f"/decisions/{r.json()['id']}/")
    assert detail.status_code == 200
    assert "9,999,999,999,999.99" in detail.content.decode()


def test_outcome_feedback_refuses_full_width_and_boolean_process_ids(agent_a, process_a):
    r = agent_a.post(
        "/api/decisions/outcomes/",
        {"outcomes": [{"process": "１", "case_ref": "X", "outcome": "ok"}, {"process": True}]},
        format="json",
    )
    assert r.status_code == 200, r.content
    results = r.json()["results"]
    assert [row["status"] for row in results] == ["rejected", "rejected"]
    assert "valid integer" in results[0]["errors"]["process"][0]
    assert "valid integer" in results[1]["errors"]["process"][0]
