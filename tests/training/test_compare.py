"""Comparing two rounds reads from the earlier round to the later one whatever the URL's order
(the page and the API alike), unless `direction=backward` asks otherwise."""

import pytest

from maestro.training.models import AgentOutput
from tests.conftest import client_for
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory


@pytest.fixture
def improved(world):
    """Round 1 gets 1 of 4 right, round 2 gets 3 of 4: two fixed cases, none regressed."""
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    cases = [
        CaseFactory(dataset=dataset, case_ref=f"S-{i}", category=c, correct_outcome="security")
        for i, c in enumerate(["security", "security", "billing", "billing"])
    ]
    world.round1 = RoundFactory(dataset=dataset, number=1)
    world.round2 = RoundFactory(dataset=dataset, number=2)
    for case, first, second in zip(
        cases,
        ["security", "hr", "hr", "hr"],
        ["security", "security", "security", "hr"],
        strict=True,
    ):
        AgentOutput.objects.create(
            round=world.round1, case=case, predicted_outcome=first, confidence=0.8
        )
        AgentOutput.objects.create(
            round=world.round2, case=case, predicted_outcome=second, confidence=0.8
        )
    return world


@pytest.mark.parametrize("order", ["earlier_first", "later_first"])
def test_api_compares_from_the_earlier_round_whatever_the_order(improved, order):
    first, second = (improved.round1, improved.round2)
    if order == "later_first":
        first, second = second, first
    r = client_for(improved.consultant).get(f"/api/rounds/{first.pk}/compare/{second.pk}/")
    assert r.status_code == 200
    body = r.json()
    assert body["direction"] == "forward"
    assert (body["before"]["number"], body["after"]["number"]) == (1, 2)
    assert [c["case_ref"] for c in body["fixed"]] == ["S-1", "S-2"]
    assert body["regressed"] == []
    assert body["fixed"][0]["predicted_before"] == "hr"
    assert body["fixed"][0]["predicted_after"] == "security"
    assert (body["accuracy_before"], body["accuracy_after"], body["accuracy_change"]) == (
        25.0,
        75.0,
        50.0,
    )
    by_category = {c["category"]: c for c in body["categories"]}
    assert by_category["billing"]["change"] == 50.0
    assert by_category["security"]["accuracy_before"] == 50.0
    assert by_category["security"]["accuracy_after"] == 100.0


def test_api_compares_backward_when_asked(improved):
    api = client_for(improved.consultant)
    r = api.get(
        f"/api/rounds/{improved.round1.pk}/compare/{improved.round2.pk}/?direction=backward"
    )
    body = r.json()
    assert (body["before"]["number"], body["after"]["number"]) == (2, 1)
    assert body["fixed"] == [] and len(body["regressed"]) == 2
    assert body["accuracy_change"] == -50.0


def test_api_refuses_an_unknown_direction(improved):
    api = client_for(improved.consultant)
    r = api.get(f"/api/rounds/{improved.round1.pk}/compare/{improved.round2.pk}/?direction=up")
    assert r.status_code == 400
    assert "direction" in r.json()


def test_page_compares_forward_and_labels_the_columns(client, improved):
    client.force_login(improved.consultant)
    r = client.get(f"/rounds/{improved.round1.pk}/compare/{improved.round2.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Round 1 → round 2" in html
    assert "Fixed (2)" in html and "Regressed (0)" in html
    assert "25.0% → 75.0%" in html and "+50.0 points" in html
    assert "Expected" in html and "Round 1 said" in html and "Round 2 said" in html
    assert "?direction=backward" in html


def test_page_compares_backward_when_asked_and_refuses_nonsense(client, improved):
    client.force_login(improved.consultant)
    url = f"/rounds/{improved.round2.pk}/compare/{improved.round1.pk}/"
    html = client.get(url + "?direction=backward").content.decode()
    assert "Round 2 → round 1" in html and "Regressed (2)" in html and "−50.0 points" in html
    r = client.get(url + "?direction=sideways")
    assert r.status_code == 400 and b"direction" in r.content
