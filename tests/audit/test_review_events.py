"""Review tasks: assignment at intake (by the agent's key), reassignment, escalation (by the
sweep), resolution, and the decision overridden when the human's outcome differs."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder

from maestro.audit.models import AuditEntry
from maestro.exceptions import StateConflict
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import (
    review_task_reassign,
    review_task_resolve,
    review_task_resolve_and_flag,
    review_tasks_escalate_overdue,
)
from maestro.reviews.tasks import review_tasks_escalate_overdue_task
from maestro.tenancy.models import Membership
from tests.audit.helpers import only
from tests.decisions.conftest import agent_client, decision
from tests.decisions.factories import DecisionFactory
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import PlaybookVersionFactory
from tests.reviews.conftest import open_task
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(world):
    process = ProcessFactory(engagement=world.engagement_a, name="Invoice approval")
    version = PlaybookVersionFactory(playbook__process=process, sla_minutes=60)
    return open_task(
        DecisionFactory(
            process=process, case_ref="INV-1", proposed_outcome="approve", playbook_version=version
        )
    )


def test_intake_records_each_task_it_assigns_by_the_agents_key(world, key_a, playbook_a):
    key, secret = key_a
    batch = {
        "decisions": [
            decision(playbook_a.playbook.process, case_ref=f"PO-{n}", confidence=0.2)
            for n in range(3)
        ]
    }
    r = agent_client(secret).post("/api/decisions/", batch, format="json")
    assert r.status_code == 200, r.content

    entries = AuditEntry.objects.filter(event="task.assigned").order_by("pk")
    tasks = ReviewTask.objects.order_by("pk")
    assert [e.target_id for e in entries] == [str(t.pk) for t in tasks]
    for entry, task in zip(entries, tasks, strict=True):
        assert (entry.actor_kind, entry.actor_key_id, entry.actor_user) == (
            "agent_key",
            key.pk,
            None,
        )
        assert entry.actor_label == f"Agent A ({key.prefix}…)"
        assert (entry.client, entry.engagement) == (world.client_a, world.engagement_a)
        assert entry.changes == {"assignee": [None, str(world.operator_a)]}
        assert entry.data["decision"] == task.decision_id


def test_a_retried_decision_assigns_nothing_again(world, key_a, playbook_a):
    agent = agent_client(key_a[1])
    item = decision(playbook_a.playbook.process, confidence=0.2)
    assert agent.post("/api/decisions/", item, format="json").status_code == 201
    assert agent.post("/api/decisions/", item, format="json").status_code == 200
    assert AuditEntry.objects.filter(event="task.assigned").count() == 1


def test_auto_routed_decisions_record_no_assignment(world, key_a, playbook_a):
    item = decision(playbook_a.playbook.process, confidence=0.99)
    assert agent_client(key_a[1]).post("/api/decisions/", item, format="json").status_code == 201
    assert not AuditEntry.objects.filter(event="task.assigned").exists()


def test_reassigning_records_who_from_whom_to_whom(world, task):
    review_task_reassign(task=task, to_user=world.consultant, by=world.operator_a, note="Holiday")

    entry = only("task.reassigned")
    assert entry.actor_user == world.operator_a
    assert (entry.target_type, entry.target_id) == ("reviews.ReviewTask", str(task.pk))
    assert entry.changes == {"assignee": [str(world.operator_a), str(world.consultant)]}
    assert entry.data == {"note": "Holiday"}
    assert entry.engagement == world.engagement_a


def test_a_refused_reassignment_leaves_no_entry(world, task):
    review_task_resolve(task=task, final_outcome="approve", by=world.operator_a)
    with pytest.raises(StateConflict):
        review_task_reassign(task=task, to_user=world.consultant, by=world.operator_a)
    assert not AuditEntry.objects.filter(event="task.reassigned").exists()


def test_the_escalation_sweep_records_each_step_as_the_system(world, task):
    chief = MembershipFactory(client=world.client_a, role=Membership.Role.OPERATOR).user
    task.decision.playbook_version.escalation_chain = [chief.pk]
    task.decision.playbook_version.save()
    late = task.due_at + timedelta(minutes=1)

    assert review_tasks_escalate_overdue(now=late) == 1
    assert review_tasks_escalate_overdue(now=late) == 0  # the same due time: no second step

    entry = only("task.escalated")
    assert (entry.actor_kind, entry.actor_label, entry.actor_user) == (
        "system",
        "escalation sweep",
        None,
    )
    assert entry.changes["assignee"] == [str(world.operator_a), str(chief)]
    assert entry.changes["escalation_level"] == [0, 1]
    due = DjangoJSONEncoder().default(late + timedelta(minutes=60))  # as the API writes it
    assert entry.changes["due_at"][1] == due


def test_the_beat_task_names_the_sweep(world, task):
    ReviewTask.objects.filter(pk=task.pk).update(due_at=task.due_at - timedelta(days=1))
    assert review_tasks_escalate_overdue_task() == 1
    assert only("task.escalated").actor_label == "escalation sweep"


def test_resolving_records_the_outcome_and_an_override(world, task):
    review_task_resolve(
        task=task, final_outcome="reject", note="Wrong supplier", by=world.operator_a
    )

    resolved = only("task.resolved")
    assert resolved.actor_user == world.operator_a
    assert resolved.changes == {"status": ["open", "resolved"], "final_outcome": ["", "reject"]}
    assert resolved.data == {"note": "Wrong supplier", "decision": task.decision_id}
    overridden = only("decision.overridden")
    assert (overridden.target_type, overridden.target_id) == (
        "decisions.Decision",
        str(task.decision_id),
    )
    assert overridden.changes == {"outcome": ["approve", "reject"]}
    assert overridden.data == {"review_task": task.pk, "case_ref": "INV-1"}
    assert overridden.actor_user == world.operator_a


def test_agreeing_with_the_agent_is_no_override(world, task):
    review_task_resolve(task=task, final_outcome="Approve", by=world.operator_a)
    assert only("task.resolved").changes["final_outcome"] == ["", "Approve"]
    assert not AuditEntry.objects.filter(event="decision.overridden").exists()


def test_a_conflicting_resolve_leaves_no_second_entry(world, task):
    review_task_resolve(task=task, final_outcome="reject", by=world.operator_a)
    with pytest.raises(StateConflict):
        review_task_resolve(task=task, final_outcome="approve", by=world.consultant)
    assert only("task.resolved").actor_user == world.operator_a
    assert AuditEntry.objects.filter(event="decision.overridden").count() == 1


def test_a_resolution_rolled_back_by_a_refused_flag_leaves_no_entry(world, task):
    with pytest.raises(ValidationError):
        review_task_resolve_and_flag(
            task=task, final_outcome="reject", by=world.operator_a, edge_case_note="  "
        )
    assert ReviewTask.objects.get(pk=task.pk).status == ReviewTask.Status.OPEN
    assert not AuditEntry.objects.filter(
        event__in=["task.resolved", "decision.overridden"]
    ).exists()
