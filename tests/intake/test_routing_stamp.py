"""A worker reuses the playbook it compiled while the routing stamp read with the process is
unchanged; every edit that changes routing must reach the very next decision anyway."""

from decimal import Decimal

from maestro.decisions.models import Decision
from maestro.mapping.services import (
    decision_type_create,
    decision_type_delete,
    decision_type_update,
)
from maestro.playbooks.services import playbook_version_create
from tests.decisions.conftest import decision
from tests.mapping.factories import DecisionTypeFactory

URL = "/api/decisions/"


def _post(agent, process, case_ref, **fields):
    return agent.post(URL, decision(process, case_ref=case_ref, **fields), format="json")


def test_a_decision_type_threshold_edit_routes_the_next_decision(
    agent_a, process_a, playbook_a, world
):
    kind = DecisionTypeFactory(
        engagement=world.engagement_a,
        name="restock",
        autonomy="review_below_threshold",
        confidence_threshold=Decimal("0.80"),
    )
    assert _post(agent_a, process_a, "1", decision_type="restock").json()["route"] == "auto"
    decision_type_update(decision_type=kind, by=world.consultant, confidence_threshold="0.95")
    second = _post(agent_a, process_a, "2", decision_type="restock").json()
    assert second["route"] == "human"
    assert [r["code"] for r in second["reasons"]] == ["confidence_below"]


def test_a_decision_type_made_always_human_routes_the_next_decision(
    agent_a, process_a, playbook_a, world
):
    kind = DecisionTypeFactory(
        engagement=world.engagement_a, name="refund", autonomy="full", confidence_threshold=None
    )
    assert _post(agent_a, process_a, "1", decision_type="refund").json()["route"] == "auto"
    decision_type_update(decision_type=kind, by=world.consultant, autonomy="always_human")
    second = _post(agent_a, process_a, "2", decision_type="refund").json()
    assert [r["code"] for r in second["reasons"]] == ["decision_type_always_human"]


def test_a_new_decision_type_is_known_to_the_next_decision(agent_a, process_a, playbook_a, world):
    assert _post(agent_a, process_a, "1").status_code == 201  # warms the worker's playbook
    assert _post(agent_a, process_a, "2", decision_type="travel").status_code == 400
    decision_type_create(
        engagement=world.engagement_a, by=world.consultant, name="travel", autonomy="full"
    )
    r = _post(agent_a, process_a, "3", decision_type="travel")
    assert r.status_code == 201, r.json()


def test_a_deleted_decision_type_is_refused_by_the_next_decision(
    agent_a, process_a, playbook_a, world
):
    DecisionTypeFactory(engagement=world.engagement_a, name="keep", autonomy="full")
    gone = DecisionTypeFactory(engagement=world.engagement_a, name="gone", autonomy="full")
    assert _post(agent_a, process_a, "1", decision_type="keep").status_code == 201
    decision_type_delete(decision_type=gone, by=world.consultant)
    r = _post(agent_a, process_a, "2", decision_type="gone")
    assert r.status_code == 400
    assert "decision_type" in r.json()


def test_a_new_playbook_version_saved_by_a_consultant_routes_the_next_decision(
    agent_a, process_a, playbook_a, world
):
    first = _post(agent_a, process_a, "1", category="travel").json()
    assert (first["route"], first["playbook_version"]) == ("auto", 1)
    playbook_version_create(
        process=process_a,
        by=world.consultant,
        default_threshold="0.80",
        rules=[{"kind": "category_in", "categories": ["travel"]}],
        sla_minutes=60,
        escalation_chain=[],
    )
    second = _post(agent_a, process_a, "2", category="travel").json()
    assert (second["route"], second["playbook_version"]) == ("human", 2)
    assert [r["code"] for r in second["reasons"]] == ["category_always_human"]


def test_a_first_playbook_ends_fail_closed_routing_at_once(agent_a, process_a, world):
    assert _post(agent_a, process_a, "1").json()["reasons"][0]["code"] == "no_playbook"
    playbook_version_create(
        process=process_a,
        by=world.consultant,
        default_threshold="0.80",
        rules=[{"kind": "confidence_below"}],
        sla_minutes=60,
        escalation_chain=[],
    )
    second = _post(agent_a, process_a, "2").json()
    assert (second["route"], second["playbook_version"]) == ("auto", 1)


def test_a_version_that_reuses_an_old_id_is_not_taken_for_the_old_one(
    agent_a, process_a, playbook_a, world
):
    # Ids come back after a database flush (or a rolled-back test): same process, same version
    # id and no decision types, yet other rules.
    from maestro.playbooks.models import EscalationPlaybook, PlaybookVersion

    assert _post(agent_a, process_a, "1", category="travel").json()["route"] == "auto"
    version_id, playbook_id = playbook_a.pk, playbook_a.playbook_id
    Decision.objects.all().delete()
    EscalationPlaybook.objects.filter(pk=playbook_id).delete()
    PlaybookVersion.objects.create(
        pk=version_id,
        playbook=EscalationPlaybook.objects.create(pk=playbook_id, process=process_a),
        number=1,
        rules=[{"kind": "category_in", "categories": ["travel"]}],
        created_by=world.consultant,
    )
    second = _post(agent_a, process_a, "2", category="travel").json()
    assert [r["code"] for r in second["reasons"]] == ["category_always_human"]
