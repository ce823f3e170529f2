"""The audit trail's core: entries are written with the change, and only appended."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory

from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.audit.services import Actor, audit_entry, audit_record, audit_record_many
from tests.engagements.factories import EngagementFactory
from tests.tenancy.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_entry_records_who_what_and_the_fields_that_changed():
    engagement = EngagementFactory()
    membership = MembershipFactory(client=engagement.client)
    with transaction.atomic():
        audit_record(
            AuditEvent.ROLE_CHANGED,
            actor=engagement.lead,
            client=engagement.client,
            engagement=engagement,
            target=membership,
            changes={"role": ("operator", "sponsor"), "client": (1, 1)},
            data={"threshold": Decimal("0.85")},
        )
    entry = AuditEntry.objects.get()
    assert entry.actor_kind == "user"
    assert entry.actor_user == engagement.lead
    assert entry.actor_label == str(engagement.lead)
    assert (entry.client, entry.engagement) == (engagement.client, engagement)
    assert entry.event == "membership.role_changed"
    assert entry.event_label == "Role changed"
    assert (entry.target_type, entry.target_id) == ("tenancy.Membership", str(membership.pk))
    # Unchanged fields are left out; values are stored as the API writes them.
    assert entry.changes == {"role": ["operator", "sponsor"]}
    assert entry.data == {"threshold": "0.85"}


def test_agent_keys_and_jobs_are_actors_too():
    engagement = EngagementFactory()

    class Key:  # stands in for decisions.AgentApiKey, which sits above the audit app
        pk, name, prefix = 7, "Invoice agent", "mk_0123456789ab"

    with transaction.atomic():
        audit_record_many(
            [
                audit_entry(
                    AuditEvent.TASK_ASSIGNED, actor=Actor.for_key(Key), client=engagement.client
                ),
                audit_entry(
                    AuditEvent.TASK_ESCALATED,
                    actor=Actor.system("escalation sweep"),
                    client=engagement.client.pk,
                    engagement=engagement.pk,
                ),
            ]
        )
    by_event = {e.event: e for e in AuditEntry.objects.all()}
    key_entry = by_event["task.assigned"]
    assert (key_entry.actor_kind, key_entry.actor_key_id) == ("agent_key", 7)
    assert key_entry.actor_label == "Invoice agent (mk_0123456789ab…)"
    job_entry = by_event["task.escalated"]
    assert (job_entry.actor_kind, job_entry.actor_label) == ("system", "escalation sweep")
    assert job_entry.engagement == engagement


@pytest.mark.django_db(transaction=True)  # a plain test already runs inside a transaction
def test_recording_outside_the_changes_transaction_is_refused():
    engagement = EngagementFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(AuditEvent.ENGAGEMENT_CHANGED, actor=engagement.lead, client=engagement.client)
    assert not AuditEntry.objects.exists()


def test_a_rolled_back_change_leaves_no_entry():
    engagement = EngagementFactory()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(AuditEvent.ENGAGEMENT_CHANGED, actor=engagement.lead, client=engagement.client)
        1 / 0  # noqa: B018 — the change fails after its entry was written
    assert not AuditEntry.objects.exists()


def test_unknown_event_types_are_refused():
    engagement = EngagementFactory()
    with pytest.raises(ValueError), transaction.atomic():
        audit_record("engagement.renamed", actor=engagement.lead, client=engagement.client)


def test_entries_cannot_be_edited_or_deleted():
    engagement = EngagementFactory()
    with transaction.atomic():
        entry = audit_record(
            AuditEvent.ENGAGEMENT_CHANGED, actor=engagement.lead, client=engagement.client
        )
    entry.actor_label = "someone else"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="someone else")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().actor_label == str(engagement.lead)


def test_the_admin_only_reads():
    model_admin = admin.site._registry[AuditEntry]
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
