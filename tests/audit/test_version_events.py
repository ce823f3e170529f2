"""Playbook and runbook versions, and runbook publishing, are recorded by their services."""

import pytest
from django.core.exceptions import ValidationError

from maestro.audit.models import AuditEntry
from maestro.exceptions import StateConflict
from maestro.playbooks.services import playbook_version_create
from runbooks import services as runbooks
from tests.audit.helpers import only
from tests.mapping.factories import ProcessFactory

pytestmark = pytest.mark.django_db

RULES = [{"kind": "confidence_below"}, {"kind": "new_counterparty"}]


def _save_playbook(process, by, **overrides):
    fields = {
        "default_threshold": "0.80",
        "rules": RULES,
        "sla_minutes": 240,
        "escalation_chain": [],
        "message": "First rules",
    }
    return playbook_version_create(process=process, by=by, **{**fields, **overrides})


def test_a_first_playbook_version_is_recorded_with_its_settings(world):
    process = ProcessFactory(engagement=world.engagement_a, name="Procurement")
    version = _save_playbook(process, world.consultant, escalation_chain=[world.operator_a.pk])

    entry = only("playbook.version_created")
    assert (entry.actor_user, entry.client, entry.engagement) == (
        world.consultant,
        world.client_a,
        world.engagement_a,
    )
    assert (entry.target_type, entry.target_id) == ("playbooks.PlaybookVersion", str(version.pk))
    assert entry.target_label == "Escalation playbook — Procurement v1"
    assert entry.changes == {
        "default_threshold": [None, "0.80"],
        "sla_minutes": [None, 240],
        "escalation_chain": [None, [str(world.operator_a)]],
        "rule_count": [None, 2],
    }
    assert entry.data == {"version": 1, "message": "First rules", "rules_changed": True}


def test_a_new_playbook_version_records_what_changed_from_the_last(world):
    process = ProcessFactory(engagement=world.engagement_a)
    _save_playbook(process, world.consultant)
    _save_playbook(
        process,
        world.consultant,
        default_threshold="0.9",
        escalation_chain=[world.operator_a.pk],
        message="Stricter",
        base_version=1,
    )

    entries = AuditEntry.objects.filter(event="playbook.version_created").order_by("pk")
    assert len(entries) == 2
    assert entries[1].changes == {
        "default_threshold": ["0.80", "0.9"],
        "escalation_chain": [[], [str(world.operator_a)]],
    }
    assert entries[1].data == {"version": 2, "message": "Stricter", "rules_changed": False}


def test_a_refused_playbook_version_leaves_no_entry(world):
    process = ProcessFactory(engagement=world.engagement_a)
    _save_playbook(process, world.consultant)
    with pytest.raises(StateConflict):
        _save_playbook(process, world.consultant, base_version=0)  # someone saved meanwhile
    assert AuditEntry.objects.filter(event="playbook.version_created").count() == 1


def _runbook(world, **kwargs):
    return runbooks.runbook_create(
        engagement=world.engagement_a,
        title="Monitoring",
        slug="monitoring",
        body="- [ ] Check",
        by=world.consultant,
        **kwargs,
    )


def test_a_runbook_version_is_recorded_once_per_save(world):
    runbook = _runbook(world)
    runbooks.runbook_save(
        runbook=runbook,
        title="Daily monitoring",
        body="- [ ] Check twice",
        message="Twice a day",
        base_version=1,
        by=world.operator_a,
    )

    entries = AuditEntry.objects.filter(event="runbook.version_created").order_by("pk")
    assert [(e.actor_user, e.changes) for e in entries] == [
        (world.consultant, {"title": [None, "Monitoring"]}),
        (world.operator_a, {"title": ["Monitoring", "Daily monitoring"]}),
    ]
    assert entries[1].data == {
        "version": 2,
        "message": "Twice a day",
        "proposed": True,  # an operator's edit is a proposal
        "restored_from": None,
    }
    assert (entries[1].target_type, entries[1].target_id) == ("runbooks.Runbook", str(runbook.pk))
    assert entries[1].engagement == world.engagement_a


def test_a_restore_is_a_version_that_says_where_it_came_from(world):
    runbook = _runbook(world)
    runbooks.runbook_save(
        runbook=runbook, title="T2", body="b", message="m", base_version=1, by=world.consultant
    )
    runbooks.runbook_restore(runbook=runbook, number=1, base_version=2, by=world.consultant)
    entry = only("runbook.version_created", data__version=3)
    assert entry.data["restored_from"] == 1
    assert entry.changes == {"title": ["T2", "Monitoring"]}


def test_a_conflicting_runbook_save_leaves_no_entry(world):
    runbook = _runbook(world)
    with pytest.raises(StateConflict):
        runbooks.runbook_save(
            runbook=runbook, title="T", body="b", message="m", base_version=0, by=world.consultant
        )
    assert AuditEntry.objects.filter(event="runbook.version_created").count() == 1


def test_publishing_records_the_version_and_the_status(world):
    runbook = _runbook(world)
    runbooks.runbook_publish(runbook=runbook, by=world.consultant)
    runbooks.runbook_publish(runbook=runbook, by=world.consultant)  # again: nothing changes

    entry = only("runbook.published")
    assert entry.actor_user == world.consultant
    assert entry.changes == {"status": ["draft", "published"], "published_version": [None, 1]}


def test_republishing_another_version_records_the_move(world):
    runbook = _runbook(world)
    runbooks.runbook_publish(runbook=runbook, by=world.consultant)
    runbooks.runbook_save(
        runbook=runbook, title="T", body="b", message="m", base_version=1, by=world.consultant
    )
    runbooks.runbook_publish(runbook=runbook, by=world.consultant)
    entry = AuditEntry.objects.filter(event="runbook.published").order_by("pk").last()
    assert entry.changes == {"published_version": [1, 2]}


def test_publishing_a_missing_version_leaves_no_entry(world):
    runbook = _runbook(world)
    with pytest.raises(ValidationError):
        runbooks.runbook_publish(runbook=runbook, by=world.consultant, version=9)
    assert not AuditEntry.objects.filter(event="runbook.published").exists()


def test_retiring_is_recorded(world):
    runbook = _runbook(world)
    runbooks.runbook_retire(runbook=runbook, by=world.consultant)
    assert only("runbook.retired").changes == {"status": ["draft", "retired"]}
