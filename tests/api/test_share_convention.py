"""One unit for every share in the API (README, "API conventions"): a fraction from 0 to 1 as
a decimal string with 4 places, in answers and in requests. Checked in the schema (every
share-like property) and where a share is written; the demo's real answers are checked in
test_share_answers.py."""

import re
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from maestro.decisions.models import Decision
from maestro.decisions.services import agent_api_key_create
from maestro.engagements.models import Engagement
from maestro.mapping.models import DecisionType
from maestro.playbooks.models import PlaybookVersion
from maestro.training.models import AgentOutput, GateCriteria
from tests.conftest import client_for
from tests.decisions.conftest import agent_client, decision
from tests.decisions.factories import DecisionFactory
from tests.mapping.factories import ProcessFactory
from tests.reviews.conftest import open_task
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory

# Property names that hold a share wherever they appear in the API (`review_below_threshold`
# is an autonomy level: a process summary counts decision types per level).
SHARE_NAME = re.compile(r"(^|_)(accuracy|threshold|confidence|rate|share)$|minimums$|^(low|high)$")
NOT_SHARES = {"review_below_threshold"}
ANSWER = re.compile(r"^(0\.[0-9]{4}|1\.0000)$")


def _share_properties(schema: dict):
    for component, body in schema["components"]["schemas"].items():
        for name, prop in body.get("properties", {}).items():
            if SHARE_NAME.search(name) and name not in NOT_SHARES and prop.get("type") != "array":
                yield component, name, prop.get("additionalProperties", prop)


def test_every_share_in_the_schema_is_a_decimal_string_fraction():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = list(_share_properties(schema))
    assert len(found) > 25
    for component, name, prop in found:
        where = f"{component}.{name}"
        assert (prop.get("type"), prop.get("format")) == ("string", "decimal"), where
        assert prop["pattern"].startswith("^(0"), where
        assert '"0.8500" is 85%' in prop["description"], where
        if not component.endswith("Request"):
            assert prop["pattern"] == ANSWER.pattern, where


def test_the_schema_description_states_the_convention():
    info = SchemaGenerator().get_schema(request=None, public=True)["info"]["description"]
    assert "fractions from 0 to 1" in info and '"0.8500"' in info


# --- writing a share ----------------------------------------------------------------------------


def test_target_accuracy_is_written_and_read_as_a_fraction(world):
    api = client_for(world.consultant)
    url = f"/api/engagements/{world.engagement_a.pk}/"
    r = api.patch(url, {"target_accuracy": "0.9250"})
    assert r.status_code == 200, r.json()
    assert r.json()["target_accuracy"] == "0.9250"
    assert Engagement.objects.get(pk=world.engagement_a.pk).target_accuracy == Decimal("92.50")

    r = api.patch(url, {"target_accuracy": "85"})  # a percent, as the API took it before
    assert r.status_code == 400
    assert '"0.8500" for 85%' in r.json()["target_accuracy"][0]
    assert Engagement.objects.get(pk=world.engagement_a.pk).target_accuracy == Decimal("92.50")


def test_category_minimums_are_fractions(world):
    api = client_for(world.consultant)
    url = f"/api/engagements/{world.engagement_a.pk}/training-criteria/"
    r = api.put(url, {"category_minimums": {"compliance": "0.95", "refunds": 0.8}})
    assert r.status_code == 200, r.json()
    assert r.json()["category_minimums"] == {"compliance": "0.9500", "refunds": "0.8000"}
    stored = GateCriteria.objects.get(engagement=world.engagement_a).category_minimums
    assert stored == {"compliance": 95.0, "refunds": 80.0}  # the gate and pages read percent
    assert api.get(url).json()["category_minimums"] == {"compliance": "0.9500", "refunds": "0.8000"}

    r = api.put(url, {"category_minimums": {"compliance": 90}})
    assert r.status_code == 400
    assert "less than or equal to 1" in str(r.json()["category_minimums"])


def test_decision_type_threshold_is_a_fraction_kept_to_its_two_places(world):
    api = client_for(world.consultant)
    url = f"/api/engagements/{world.engagement_a.pk}/decision-types/"
    body = {"name": "refund", "autonomy": "review_below_threshold"}
    r = api.post(url, body | {"confidence_threshold": "0.7500"})
    assert r.status_code == 201, r.json()
    assert r.json()["confidence_threshold"] == "0.7500"
    assert DecisionType.objects.get(pk=r.json()["id"]).confidence_threshold == Decimal("0.75")

    r = api.post(url, body | {"name": "finer", "confidence_threshold": "0.755"})
    assert r.status_code == 400
    assert "no more than 2 decimal places" in r.json()["confidence_threshold"][0]
    assert not DecisionType.objects.filter(name="finer").exists()


def test_playbook_thresholds_are_answered_as_four_place_fractions(world):
    process = ProcessFactory(engagement=world.engagement_a)
    api = client_for(world.consultant)
    r = api.post(
        f"/api/processes/{process.pk}/playbook/versions/",
        {
            "default_threshold": "0.8000",
            "rules": [
                {"kind": "confidence_below", "threshold": "0.7"},
                {"kind": "new_counterparty"},
            ],
            "sla_minutes": 60,
        },
    )
    assert r.status_code == 201, r.json()
    assert r.json()["default_threshold"] == "0.8000"
    assert r.json()["rules"] == [
        {"kind": "confidence_below", "threshold": "0.7000"},
        {"kind": "new_counterparty"},
    ]
    version = PlaybookVersion.objects.get(pk=r.json()["id"])
    assert version.default_threshold == Decimal("0.80")


def test_round_metrics_are_fractions(world):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    training_round = RoundFactory(dataset=dataset, number=1)
    for ref, outcome, predicted, confidence in [
        ("A", "it", "it", 0.91),
        ("B", "it", "hr", 0.55),
        ("C", "hr", "hr", 0.73),
    ]:
        case = CaseFactory(dataset=dataset, case_ref=ref, correct_outcome=outcome, category="x")
        AgentOutput.objects.create(
            round=training_round, case=case, predicted_outcome=predicted, confidence=confidence
        )
    api = client_for(world.operator_a)
    metrics = api.get(f"/api/rounds/{training_round.pk}/metrics/").json()
    assert metrics["accuracy"] == "0.6667"
    assert metrics["categories"][0]["accuracy"] == "0.6667"
    assert metrics["calibration"][0]["low"] == "0.0000"
    assert metrics["calibration"][-1]["high"] == "1.0000"
    assert metrics["threshold_sweep"][0] == {
        "threshold": "0.5000",
        "auto": 3,
        "human": 0,
        "escalation_rate": "0.0000",
        "auto_accuracy": "0.6667",
    }
    failures = api.get(f"/api/rounds/{training_round.pk}/failures/").json()["results"]
    assert [f["confidence"] for f in failures] == ["0.5500"]


def test_live_decision_shares_are_fractions(world):
    process = ProcessFactory(engagement=world.engagement_a)
    task = open_task(DecisionFactory(process=process, confidence=Decimal("0.65")))
    DecisionFactory(process=process, route=Decision.Route.AUTO, reasons=[])
    api = client_for(world.sponsor_a)
    metrics = api.get(f"/api/engagements/{world.engagement_a.pk}/deployment-metrics/").json()
    assert metrics["escalation_rate"] == "0.5000"
    assert metrics["economics"][0]["automation_rate"] == "0.5000"
    assert api.get(f"/api/review-tasks/{task.pk}/").json()["decision"]["confidence"] == "0.6500"


def _agent(world):
    _key, secret = agent_api_key_create(
        engagement=world.engagement_a, name="Agent", by=world.consultant
    )
    return agent_client(secret), ProcessFactory(engagement=world.engagement_a)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("0.8734567", Decimal("0.8735")), (0.74, Decimal("0.7400")), ("1", Decimal("1"))],
)
def test_intake_confidence_is_a_decimal_string_rounded_to_four_places(world, sent, stored):
    agent, process = _agent(world)
    r = agent.post("/api/decisions/", decision(process, confidence=sent), format="json")
    assert r.status_code == 201, r.json()
    assert Decision.objects.get(pk=r.json()["id"]).confidence == stored


def test_intake_refuses_a_percent_confidence(world):
    agent, process = _agent(world)
    r = agent.post("/api/decisions/", decision(process, confidence="74"), format="json")
    assert r.status_code == 400
    assert '"0.8500" for 85%' in r.json()["confidence"][0]
    assert not Decision.objects.exists()
