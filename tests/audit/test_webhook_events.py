"""Webhook endpoints: created, changed (a rotated secret too, never the secret itself) and
deleted are recorded by their services."""

import json

import pytest
from django.core.exceptions import ValidationError

from maestro.audit.models import AuditEntry
from maestro.exceptions import NotPermitted
from maestro.webhooks.models import WebhookEndpoint
from maestro.webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from tests.audit.helpers import only

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/maestro"


@pytest.fixture
def endpoint(world):
    return webhook_endpoint_create(
        engagement=world.engagement_a, url=URL, events=["task.resolved"], by=world.consultant
    )


def _no_secret_recorded(endpoint_secrets):
    stored = json.dumps(list(AuditEntry.objects.values("changes", "data", "target_label")))
    assert not any(secret in stored for secret in endpoint_secrets)


def test_creating_an_endpoint_is_recorded_without_its_secret(world, endpoint):
    entry = only("webhook.created")
    assert (entry.actor_user, entry.client, entry.engagement) == (
        world.consultant,
        world.client_a,
        world.engagement_a,
    )
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "webhooks.WebhookEndpoint",
        str(endpoint.pk),
        URL,
    )
    assert entry.changes == {
        "url": [None, URL],
        "events": [None, ["task.resolved"]],
        "active": [None, True],
    }
    _no_secret_recorded([endpoint.secret])


def test_a_change_records_the_fields_before_and_after(world, endpoint):
    webhook_endpoint_update(
        endpoint=endpoint, by=world.consultant, active=False, events=["task.resolved"]
    )
    assert only("webhook.changed").changes == {"active": [True, False]}


def test_a_change_that_changes_nothing_records_nothing(world, endpoint):
    webhook_endpoint_update(endpoint=endpoint, by=world.consultant, url=URL)
    assert not AuditEntry.objects.filter(event="webhook.changed").exists()


def test_a_refused_change_leaves_no_entry(world, endpoint):
    with pytest.raises(ValidationError):
        webhook_endpoint_update(endpoint=endpoint, by=world.consultant, events=[])
    with pytest.raises(NotPermitted):
        webhook_endpoint_update(endpoint=endpoint, by=world.operator_a, active=False)
    assert not AuditEntry.objects.filter(event="webhook.changed").exists()


def test_rotating_the_secret_is_a_change_that_keeps_no_secret(world, endpoint):
    old = endpoint.secret
    webhook_endpoint_rotate_secret(endpoint=endpoint, by=world.consultant)

    entry = only("webhook.changed")
    assert entry.changes == {}
    assert entry.data == {"secret_rotated": True}
    _no_secret_recorded([old, WebhookEndpoint.objects.get().secret])


def test_deleting_an_endpoint_is_recorded_with_what_it_was(world, endpoint):
    pk = endpoint.pk
    webhook_endpoint_delete(endpoint=endpoint, by=world.consultant)

    entry = only("webhook.deleted")
    assert (entry.target_id, entry.target_label) == (str(pk), URL)
    assert entry.changes == {
        "url": [URL, None],
        "events": [["task.resolved"], None],
        "active": [True, None],
    }
    assert not WebhookEndpoint.objects.exists()
