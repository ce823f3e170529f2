"""The audit trail of agent API keys and test decisions: each change is recorded once, by its
service, in the change's transaction."""

import pytest
from django.db import transaction

from maestro.audit.models import AuditEntry
from maestro.decisions.models import AgentApiKey, Decision
from maestro.decisions.services import (
    agent_api_key_create,
    agent_api_key_revoke,
    decisions_remove_test,
)
from maestro.exceptions import NotPermitted
from tests.conftest import client_for
from tests.decisions.factories import DecisionFactory


def test_creating_a_key_is_recorded_once(world):
    r = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/api-keys/",
        {"name": "Sandbox", "is_test": True},
        format="json",
    )
    assert r.status_code == 201
    entry = AuditEntry.objects.get()
    assert entry.event == "api_key.created"
    assert (entry.actor_kind, entry.actor_user) == ("user", world.consultant)
    assert (entry.client, entry.engagement) == (world.client_a, world.engagement_a)
    assert (entry.target_type, entry.target_id) == ("decisions.AgentApiKey", str(r.json()["id"]))
    assert entry.changes == {
        "name": [None, "Sandbox"],
        "prefix": [None, r.json()["prefix"]],
        "is_test": [None, True],
    }
    assert r.json()["secret"] not in str(entry.changes) + str(entry.data)


def test_revoking_a_key_is_recorded_once_however_often_it_is_revoked(world):
    key, _secret = agent_api_key_create(
        engagement=world.engagement_a, name="A", by=world.consultant
    )
    for _attempt in range(2):
        r = client_for(world.consultant).post(f"/api/api-keys/{key.pk}/revoke/")
        assert r.status_code == 200
    entry = AuditEntry.objects.get(event="api_key.revoked")
    key.refresh_from_db()
    assert entry.target_id == str(key.pk) and entry.engagement == world.engagement_a
    before, after = entry.changes["revoked_at"]
    assert before is None and after.startswith(key.revoked_at.strftime("%Y-%m-%dT%H:%M:%S."))
    assert entry.data == {"is_test": False}


def test_a_refused_revoke_records_nothing(world):
    key, _secret = agent_api_key_create(
        engagement=world.engagement_a, name="A", by=world.consultant
    )
    with pytest.raises(NotPermitted):
        agent_api_key_revoke(key=key, by=world.operator_a)
    assert not AuditEntry.objects.filter(event="api_key.revoked").exists()


def test_a_rolled_back_key_leaves_no_entry(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        agent_api_key_create(engagement=world.engagement_a, name="A", by=world.consultant)
        raise RuntimeError("the caller's transaction fails after the key was made")
    assert not AgentApiKey.objects.exists()
    assert not AuditEntry.objects.exists()


def test_removing_test_decisions_is_recorded_once_with_what_went(world):
    DecisionFactory.create_batch(3, process__engagement=world.engagement_a, is_test=True)
    DecisionFactory(process__engagement=world.engagement_a)
    decisions_remove_test(engagement=world.engagement_a, by=world.consultant)
    entry = AuditEntry.objects.get()
    assert entry.event == "decisions.test_removed"
    assert (entry.actor_user, entry.engagement) == (world.consultant, world.engagement_a)
    assert entry.data == {"decisions": 3, "review_tasks": 0}
    # Nothing left to remove: no change, no entry.
    decisions_remove_test(engagement=world.engagement_a, by=world.consultant)
    assert AuditEntry.objects.count() == 1
    assert Decision.objects.count() == 1


def test_a_rolled_back_removal_leaves_the_decisions_and_no_entry(world):
    DecisionFactory(process__engagement=world.engagement_a, is_test=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        decisions_remove_test(engagement=world.engagement_a, by=world.consultant)
        raise RuntimeError("rolled back")
    assert Decision.objects.test().count() == 1
    assert not AuditEntry.objects.exists()
