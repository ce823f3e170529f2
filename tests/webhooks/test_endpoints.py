"""Endpoint management services: who may, what is validated, secrets."""

import pytest
from django.core.exceptions import ValidationError

from maestro.exceptions import NotPermitted, StateConflict
from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint
from maestro.webhooks.services import (
    webhook_delivery_retry,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_secret_reveal,
    webhook_endpoint_update,
    webhook_test_ping,
)
from maestro.webhooks.tasks import webhook_delivery_send_task
from tests.webhooks.conftest import make_endpoint


def create(world, **overrides) -> WebhookEndpoint:
    kwargs = {
        "engagement": world.engagement_a,
        "url": "https://hooks.acme.example/maestro",
        "events": ["task.resolved"],
        "by": world.consultant,
    }
    return webhook_endpoint_create(**{**kwargs, **overrides})


def test_create_generates_a_distinct_random_secret(world):
    first, second = create(world), create(world)

    assert first.secret.startswith("whsec_")
    assert len(first.secret) >= 40
    assert first.secret != second.secret
    assert (first.events, first.active) == (["task.resolved"], True)


def test_create_keeps_events_in_canonical_order_without_duplicates(world):
    endpoint = create(world, events=["task.overdue", "decision.escalated", "task.overdue"])
    assert endpoint.events == ["decision.escalated", "task.overdue"]


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a", "consultant_b"])
def test_only_the_engagements_consultants_create(world, who):
    with pytest.raises(NotPermitted) as exc:
        create(world, by=getattr(world, who))
    assert exc.value.code == "not_consultant"
    assert not WebhookEndpoint.objects.exists()


def test_staff_may_create(world):
    assert create(world, by=world.staff).pk


def test_unknown_event_is_a_field_error(world):
    with pytest.raises(ValidationError) as exc:
        create(world, events=["task.resolved", "task.exploded"])
    [message] = exc.value.message_dict["events"]
    assert "“task.exploded” is not a webhook event" in message
    assert "decision.escalated" in message


def test_no_event_is_a_field_error(world):
    with pytest.raises(ValidationError) as exc:
        create(world, events=[])
    assert exc.value.message_dict == {"events": ["Choose at least one event."]}


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("ftp://hooks.acme.example/x", "must start with http:// or https://"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("https://user:pw@hooks.acme.example/x", "Credentials in the URL"),
        ("https:///nohost", "no host"),
    ],
)
def test_bad_url_is_a_field_error(world, url, fragment):
    with pytest.raises(ValidationError) as exc:
        create(world, url=url)
    assert fragment in exc.value.message_dict["url"][0]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://169.254.169.254/latest",
        "http://[::127.0.0.1]/x",  # IPv4-compatible
        "http://[64:ff9b::a9fe:a9fe]/latest",  # NAT64 of 169.254.169.254
        "http://[fec0::1]/x",  # site-local
        # What the resolver reads as 127.0.0.1 without DNS (the URL fields refuse them anyway).
        "http://2130706433/x",
        "http://0x7f.1/x",
        "http://127.1/x",
    ],
)
def test_private_literal_url_is_refused_when_private_hosts_are_off(world, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(ValidationError) as exc:
        create(world, url=url)
    assert "private or loopback" in exc.value.message_dict["url"][0]


def test_private_literal_url_is_accepted_when_private_hosts_are_on(world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    assert create(world, url="http://127.0.0.1:8080/x").pk


def test_update_changes_url_events_and_active(world):
    endpoint = create(world)
    secret = endpoint.secret

    webhook_endpoint_update(
        endpoint=endpoint,
        by=world.consultant,
        url="https://new.acme.example/h",
        events=["task.overdue"],
        active=False,
    )

    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://new.acme.example/h",
        ["task.overdue"],
        False,
    )
    assert endpoint.secret == secret


def test_update_validates_like_create(world):
    endpoint = create(world)
    with pytest.raises(ValidationError) as exc:
        webhook_endpoint_update(endpoint=endpoint, by=world.consultant, events=["nope"])
    assert "“nope” is not a webhook event" in exc.value.message_dict["events"][0]


def test_operator_cannot_update_delete_or_rotate(world):
    endpoint = create(world)
    for call in (
        lambda: webhook_endpoint_update(endpoint=endpoint, by=world.operator_a, active=False),
        lambda: webhook_endpoint_delete(endpoint=endpoint, by=world.operator_a),
        lambda: webhook_endpoint_rotate_secret(endpoint=endpoint, by=world.operator_a),
        lambda: webhook_endpoint_secret_reveal(endpoint=endpoint, by=world.sponsor_a),
    ):
        with pytest.raises(NotPermitted):
            call()
    endpoint.refresh_from_db()
    assert endpoint.active


def test_rotate_secret_replaces_it(world):
    endpoint = create(world)
    old = endpoint.secret

    webhook_endpoint_rotate_secret(endpoint=endpoint, by=world.consultant)

    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert webhook_endpoint_secret_reveal(endpoint=endpoint, by=world.consultant) == endpoint.secret


def test_delete_removes_the_endpoint_and_its_log(world):
    endpoint = make_endpoint(world.engagement_a, "https://a.example.com/1")
    WebhookDelivery.objects.create(endpoint=endpoint, event="task.overdue")

    webhook_endpoint_delete(endpoint=endpoint, by=world.consultant)

    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()


# --- retry now ---------------------------------------------------------------------------------


@pytest.fixture
def failed_delivery(world):
    endpoint = make_endpoint(world.engagement_a, "https://a.example.com/1")
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="task.overdue",
        status=WebhookDelivery.Status.FAILED,
        attempts=6,
        last_status_code=500,
    )


def test_retry_now_makes_a_failed_delivery_pending_and_enqueues_it_after_commit(
    world, failed_delivery, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_delivery_retry(delivery=failed_delivery, by=world.consultant)
        assert sent == []

    assert sent == [failed_delivery.pk]
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 6  # the count goes on: one more attempt, then failed again


def test_retry_now_refuses_a_delivery_that_is_not_failed(world, failed_delivery):
    WebhookDelivery.objects.filter(pk=failed_delivery.pk).update(
        status=WebhookDelivery.Status.DELIVERED
    )
    failed_delivery.refresh_from_db()

    with pytest.raises(StateConflict) as exc:
        webhook_delivery_retry(delivery=failed_delivery, by=world.consultant)
    assert exc.value.code == "delivery_not_failed"
    assert "this one is delivered" in exc.value.message


def test_retry_now_refuses_a_switched_off_endpoint(world, failed_delivery):
    WebhookEndpoint.objects.update(active=False)
    failed_delivery.refresh_from_db()

    with pytest.raises(StateConflict) as exc:
        webhook_delivery_retry(delivery=failed_delivery, by=world.consultant)
    assert exc.value.code == "endpoint_inactive"


def test_retry_now_is_for_consultants(world, failed_delivery):
    with pytest.raises(NotPermitted):
        webhook_delivery_retry(delivery=failed_delivery, by=world.operator_a)
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == WebhookDelivery.Status.FAILED


# --- test ping ---------------------------------------------------------------------------------


def test_ping_is_not_a_subscribable_event(world):
    with pytest.raises(ValidationError) as exc:
        create(world, events=["ping"])
    assert "“ping” is not a webhook event" in exc.value.message_dict["events"][0]


def test_ping_queues_one_signed_delivery_to_that_endpoint_after_commit(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)
    endpoint = create(world, events=["task.overdue"])  # ping goes out whatever it subscribes to
    create(world)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_test_ping(endpoint=endpoint, by=world.consultant)
        assert sent == []

    assert sent == [delivery.pk]
    assert (delivery.endpoint, delivery.event) == (endpoint, "ping")
    assert delivery.payload == {
        "endpoint_id": endpoint.pk,
        "requested_by": world.consultant.username,
    }


def test_ping_is_for_consultants_and_active_endpoints(world):
    endpoint = create(world)
    with pytest.raises(NotPermitted):
        webhook_test_ping(endpoint=endpoint, by=world.operator_a)
    webhook_endpoint_update(endpoint=endpoint, by=world.consultant, active=False)
    with pytest.raises(StateConflict) as exc:
        webhook_test_ping(endpoint=endpoint, by=world.consultant)
    assert exc.value.code == "endpoint_inactive"
    assert not WebhookDelivery.objects.exists()
