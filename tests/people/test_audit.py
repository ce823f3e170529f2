"""The people services write the audit trail: each event exactly once, by the service that
makes the change, in its transaction (a refused or rolled-back change leaves no entry), for
the client it concerns."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from maestro.audit.models import AuditEntry
from maestro.people.services import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_change_role,
    membership_deactivate,
)
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import Membership
from tests.decisions.factories import DecisionFactory
from tests.mapping.factories import ProcessFactory
from tests.people.conftest import GOOD_PASSWORD
from tests.playbooks.factories import PlaybookVersionFactory
from tests.reviews.conftest import open_task
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def entries(event):
    return list(AuditEntry.objects.filter(event=event))


def only(event):
    found = entries(event)
    assert len(found) == 1, (event, found)
    return found[0]


def test_invitation_sent_resent_revoked(world, invite):
    invitation, _path, _token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    sent = only("invitation.sent")
    assert (sent.actor_user, sent.client, sent.engagement) == (
        world.consultant,
        world.client_a,
        None,
    )
    assert (sent.target_type, sent.target_id) == ("people.Invitation", str(invitation.pk))
    assert sent.data == {"email": "olga@example.com", "role": "operator"}

    invitation_resend(invitation=invitation, by=world.consultant)
    assert only("invitation.resent").changes == {"send_count": [1, 2]}

    invitation_revoke(invitation=invitation, by=world.staff)
    revoked = only("invitation.revoked")
    assert revoked.actor_user == world.staff
    assert revoked.changes == {"status": ["pending", "revoked"]}


def test_invitation_accepted_is_recorded_by_the_new_account(world, invite):
    invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )

    acceptance = invitation_accept(token=token, username="olga", password=GOOD_PASSWORD)

    accepted = only("invitation.accepted")
    assert accepted.actor_user == acceptance.user
    assert accepted.client == world.client_a
    assert accepted.target_id == str(invitation.pk)
    assert accepted.data["membership"] == acceptance.membership.pk
    assert accepted.data["new_account"] is True


def test_refused_changes_leave_no_entry(world, invite):
    _invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    with pytest.raises(ValidationError):
        invitation_accept(token=token, username="olga", password="12345678")
    with pytest.raises(ValidationError):
        invitation_create(client=world.client_a, email="bad", role="operator", by=world.consultant)
    assert entries("invitation.accepted") == []
    assert len(entries("invitation.sent")) == 1


def test_a_rolled_back_deactivation_leaves_no_entry(world):
    process = ProcessFactory(engagement=world.engagement_a)
    open_task(DecisionFactory(process=process))
    membership = Membership.objects.get(user=world.operator_a)

    with pytest.raises(RuntimeError), transaction.atomic():
        membership_deactivate(membership=membership, by=world.consultant)
        raise RuntimeError("the caller's transaction fails after the service ran")

    assert AuditEntry.objects.count() == 0
    membership.refresh_from_db()
    assert membership.deactivated_at is None
    assert ReviewTask.objects.get().assignee == world.operator_a


def test_role_changed_once(world):
    membership = Membership.objects.get(user=world.operator_a)

    membership_change_role(membership=membership, role="sponsor", by=world.consultant)
    membership_change_role(membership=membership, role="sponsor", by=world.consultant)  # no-op

    changed = only("membership.role_changed")
    assert changed.changes == {"role": ["operator", "sponsor"]}
    assert (changed.target_type, changed.target_id) == ("tenancy.Membership", str(membership.pk))


def test_deactivation_and_each_reassigned_task_are_recorded(world):
    process = ProcessFactory(engagement=world.engagement_a)
    other = MembershipFactory(client=world.client_a, role="operator").user
    tasks = [open_task(DecisionFactory(process=process)) for _ in range(2)]
    ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=world.operator_a)
    PlaybookVersionFactory(playbook__process=process, escalation_chain=[world.operator_a.pk])

    membership_deactivate(
        membership=Membership.objects.get(user=world.operator_a), by=world.consultant
    )

    deactivated = only("membership.deactivated")
    assert deactivated.actor_user == world.consultant
    assert deactivated.data["review_tasks_reassigned"] == 2
    assert deactivated.data["escalation_chains_naming"] == [process.pk]
    assert set(deactivated.changes) == {"deactivated_at"}
    moved = entries("task.reassigned")
    assert sorted(int(e.target_id) for e in moved) == sorted(t.pk for t in tasks)
    assert {(e.engagement_id, e.client_id) for e in moved} == {
        (world.engagement_a.pk, world.client_a.pk)
    }
    assert {tuple(e.changes["assignee"]) for e in moved} == {(world.operator_a.pk, other.pk)}
    assert {e.data["reason"] for e in moved} == {"membership_deactivated"}
    # Every entry is client A's: client B's activity shows none of it.
    assert not AuditEntry.objects.filter(client=world.client_b).exists()
