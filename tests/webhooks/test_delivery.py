"""Sending deliveries to a real HTTP receiver on loopback (tests/webhooks/receiver.py)."""

import hashlib
import hmac
import json
import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from maestro.webhooks import transport
from maestro.webhooks.models import WebhookDelivery, WebhookEvent
from maestro.webhooks.services import delivery as services
from maestro.webhooks.services import (
    webhook_deliveries_retry_due,
    webhook_delivery_send,
    webhook_event_emit,
    webhook_retry_delay,
)
from maestro.webhooks.tasks import webhook_delivery_send_task
from tests.webhooks.conftest import make_endpoint
from tests.webhooks.receiver import Pause, Redirect

pytestmark = pytest.mark.usefixtures("fast_webhooks")

PENDING = WebhookDelivery.Status.PENDING
DELIVERED = WebhookDelivery.Status.DELIVERED
FAILED = WebhookDelivery.Status.FAILED


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """The README's recipe, written out independently of maestro.webhooks.signing."""
    timestamp = headers["X-Maestro-Timestamp"]
    message = timestamp.encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Maestro-Signature"])


def emit_one(engagement, event=WebhookEvent.TASK_RESOLVED, payload=None) -> WebhookDelivery:
    assert webhook_event_emit(engagement=engagement, event=event, payload=payload or {"x": 1})
    return WebhookDelivery.objects.latest("pk")


def make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.fixture
def endpoint(world, receiver):
    return make_endpoint(world.engagement_a, receiver.url)


def test_send_posts_signed_compact_json_with_the_documented_headers(world, endpoint, receiver):
    payload = {"task_id": 7, "outcome": "approve", "note": "déjà vu"}
    delivery = emit_one(world.engagement_a, payload=payload)

    result = webhook_delivery_send(delivery_id=delivery.pk)

    assert result.outcome == "delivered"
    [request] = receiver.requests
    assert request.path == "/hook"
    assert json.loads(request.body) == {
        "id": str(delivery.event_id),
        "event": "task.resolved",
        "created_at": delivery.created_at.isoformat(),
        "engagement": {"id": world.engagement_a.pk, "name": "A agents"},
        "data": payload,
    }
    # Serialised once, compact and with sorted keys: what was signed is what was sent.
    assert (
        request.body
        == json.dumps(
            json.loads(request.body), separators=(",", ":"), sort_keys=True, ensure_ascii=False
        ).encode()
    )
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Maestro-Webhooks/1"
    assert headers["X-Maestro-Event"] == "task.resolved"
    assert headers["X-Maestro-Delivery"] == str(delivery.event_id)
    assert headers["X-Maestro-Timestamp"].isdigit()
    assert headers["X-Maestro-Signature"].startswith("sha256=")
    assert verify("whsec_test-secret", headers, request.body)
    assert not verify("another-secret", headers, request.body)
    delivery.refresh_from_db()
    assert delivery.status == DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None


def test_non_2xx_answer_is_recorded_and_a_retry_scheduled_with_backoff(world, endpoint, receiver):
    receiver.answer(500)
    delivery = emit_one(world.engagement_a)
    before = timezone.now()

    result = webhook_delivery_send(delivery_id=delivery.pk)

    assert result.outcome == "retry"
    assert 30 <= result.retry_in <= 36
    delivery.refresh_from_db()
    assert delivery.status == PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.last_error == "HTTP 500: receiver says no"
    assert before + timedelta(seconds=30) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=36)


def test_a_retry_is_not_sent_before_its_time_then_succeeds(world, endpoint, receiver):
    receiver.answer(500)
    delivery = emit_one(world.engagement_a)
    webhook_delivery_send(delivery_id=delivery.pk)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "skipped"
    assert len(receiver.requests) == 1

    make_due(delivery)
    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "delivered"

    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Maestro-Delivery"] == second.headers["X-Maestro-Delivery"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DELIVERED, 2, 200)
    assert delivery.last_error == ""


def test_gives_up_after_max_attempts_and_never_sends_again(world, endpoint, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    receiver.answer(500, 503, 502)
    delivery = emit_one(world.engagement_a)

    outcomes = []
    for _ in range(3):
        make_due(delivery)
        outcomes.append(webhook_delivery_send(delivery_id=delivery.pk).outcome)

    assert outcomes == ["retry", "retry", "failed"]
    delivery.refresh_from_db()
    assert delivery.status == FAILED
    assert (delivery.attempts, delivery.last_status_code) == (3, 502)
    assert delivery.next_attempt_at is None
    make_due(delivery)
    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "skipped"
    assert len(receiver.requests) == 3


def test_delivered_delivery_is_never_sent_again(world, endpoint, receiver):
    delivery = emit_one(world.engagement_a)
    webhook_delivery_send(delivery_id=delivery.pk)
    make_due(delivery)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "skipped"
    assert len(receiver.requests) == 1


def test_timeout_is_recorded_without_a_status_code(world, endpoint, receiver):
    receiver.answer(Pause(3))
    delivery = emit_one(world.engagement_a)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "retry"

    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert delivery.last_error == "Timed out after 0.5 s."
    assert delivery.attempts == 1


def test_redirect_is_not_followed(world, endpoint, receiver):
    receiver.answer(Redirect(receiver.url + "/elsewhere"))
    delivery = emit_one(world.engagement_a)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "retry"

    assert [r.path for r in receiver.requests] == ["/hook"]
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302
    assert "not followed" in delivery.last_error
    assert "/hook/elsewhere" in delivery.last_error


def test_long_error_is_truncated(world, endpoint, receiver, monkeypatch):
    def refuse(*args, **kwargs):
        raise transport.TransportError("x" * 5000)

    monkeypatch.setattr(transport, "post", refuse)
    delivery = emit_one(world.engagement_a)

    webhook_delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert len(delivery.last_error) == services.ERROR_MAX_CHARS
    assert delivery.last_error.endswith("…")


def test_connection_refused_is_recorded(world, receiver):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    make_endpoint(world.engagement_a, f"http://127.0.0.1:{port}/hook")
    delivery = emit_one(world.engagement_a)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "retry"

    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert "ConnectionRefusedError" in delivery.last_error


# --- SSRF guard --------------------------------------------------------------------------------


def test_private_host_is_refused_when_the_setting_is_off(world, endpoint, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    delivery = emit_one(world.engagement_a)

    # Refused for good: a retry would be refused the same way, so the delivery fails at once.
    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "failed"

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (FAILED, 1, None)
    assert "non-public address (127.0.0.1)" in delivery.last_error
    assert "WEBHOOKS_ALLOW_PRIVATE_HOSTS" in delivery.last_error


@pytest.mark.parametrize(
    "address",
    ["::127.0.0.1", "64:ff9b::a9fe:a9fe", "fec0::1", "::ffff:169.254.169.254", "2002:7f00:1::1"],
)
def test_a_name_resolving_to_a_disguised_private_address_fails_the_delivery_at_once(
    world, receiver, settings, monkeypatch, address
):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]

    monkeypatch.setattr(transport.socket, "getaddrinfo", resolve)
    make_endpoint(world.engagement_a, "https://hooks.example.com/hook")
    delivery = emit_one(world.engagement_a)

    assert webhook_delivery_send_task(delivery.pk) == "failed"  # no retry asked of Celery

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == (FAILED, None)
    assert f"resolves to a non-public address ({address})" in delivery.last_error


def test_a_url_stored_before_the_guard_knew_its_form_is_refused_when_sending(
    world, receiver, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    make_endpoint(world.engagement_a, "http://[::127.0.0.1]/hook")  # as saved before the fix
    delivery = emit_one(world.engagement_a)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "failed"

    delivery.refresh_from_db()
    assert delivery.status == FAILED
    assert "non-public address (::127.0.0.1)" in delivery.last_error


def test_every_resolved_address_is_checked(world, receiver, settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    port = int(receiver.url.split(":")[2].split("/")[0])

    def resolve(host, port, *args, **kwargs):
        # A public first answer must not hide a private second one (DNS rebinding).
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(transport.socket, "getaddrinfo", resolve)
    make_endpoint(world.engagement_a, f"http://hooks.example.com:{port}/hook")
    delivery = emit_one(world.engagement_a)

    webhook_delivery_send(delivery_id=delivery.pk)

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert "hooks.example.com resolves to a non-public address (127.0.0.1)" in delivery.last_error


def test_connection_goes_to_the_checked_address_with_the_url_host_header(
    world, receiver, monkeypatch
):
    port = int(receiver.url.split(":")[2].split("/")[0])
    resolved = []

    def resolve(host, port, *args, **kwargs):
        resolved.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(transport.socket, "getaddrinfo", resolve)
    make_endpoint(world.engagement_a, f"http://hooks.example.com:{port}/hook?token=abc")
    delivery = emit_one(world.engagement_a)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "delivered"

    # The name is resolved once; the connection is opened to the checked address (the
    # second lookup is socket.create_connection's of the numeric address itself).
    assert resolved == ["hooks.example.com", "127.0.0.1"]
    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.example.com:{port}"
    assert request.path == "/hook?token=abc"


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),  # IPv4-mapped private
        ("::ffff:93.184.215.14", True),  # IPv4-mapped public
        ("::127.0.0.1", False),  # IPv4-compatible loopback
        ("::10.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b:1::a9fe:a9fe", False),  # local-use NAT64
        ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo, client 127.0.0.1
        ("fec0::1", False),  # site-local
        ("ff02::1", False),
        ("224.0.0.1", False),
    ],
)
def test_address_is_public(address, public):
    assert transport.address_is_public(address) is public


# --- concurrency and idempotency ---------------------------------------------------------------


def test_a_second_sender_during_an_attempt_in_flight_sends_nothing(
    world, endpoint, receiver, monkeypatch
):
    delivery = emit_one(world.engagement_a)
    real_post = transport.post
    nested = []

    def post_while_another_worker_tries(*args, **kwargs):
        nested.append(webhook_delivery_send(delivery_id=delivery.pk).outcome)
        return real_post(*args, **kwargs)

    monkeypatch.setattr(transport, "post", post_while_another_worker_tries)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "delivered"

    assert nested == ["skipped"]
    assert len(receiver.requests) == 1


def test_a_sender_that_read_a_stale_row_loses_the_claim(world, endpoint, receiver, monkeypatch):
    delivery = emit_one(world.engagement_a)
    stale = services._delivery_load(delivery.pk)
    # Another worker claims and finishes the attempt after this one read the row.
    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "delivered"
    monkeypatch.setattr(services, "_delivery_load", lambda delivery_id: stale)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "skipped"
    assert len(receiver.requests) == 1


def test_switched_off_endpoint_fails_its_pending_delivery_without_sending(
    world, endpoint, receiver
):
    delivery = emit_one(world.engagement_a)
    endpoint.active = False
    endpoint.save()

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "failed"

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == FAILED
    assert delivery.attempts == 0
    assert "switched off" in delivery.last_error


@pytest.mark.parametrize("attempt, low", [(1, 30), (2, 60), (3, 120), (5, 480)])
def test_retry_delay_doubles_with_up_to_20_percent_jitter(attempt, low):
    delays = [webhook_retry_delay(attempt=attempt) for _ in range(50)]
    assert all(low <= d <= low * 1.2 for d in delays)
    assert len(set(delays)) > 1


# --- the task ----------------------------------------------------------------------------------


class RetryCalled(Exception):
    pass


def test_task_asks_celery_for_a_retry_after_the_backoff(world, endpoint, receiver, monkeypatch):
    receiver.answer(500)
    delivery = emit_one(world.engagement_a)
    calls = []

    def retry(**kwargs):
        calls.append(kwargs)
        raise RetryCalled

    monkeypatch.setattr(webhook_delivery_send_task, "retry", retry)

    with pytest.raises(RetryCalled):
        webhook_delivery_send_task(delivery.pk)

    [call] = calls
    assert 30 <= call["countdown"] <= 36


def test_task_returns_the_outcome_when_delivered(world, endpoint, receiver):
    delivery = emit_one(world.engagement_a)

    assert webhook_delivery_send_task(delivery.pk) == "delivered"
    assert webhook_delivery_send_task(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1


# --- emitting ----------------------------------------------------------------------------------


def test_emit_creates_deliveries_only_for_subscribed_active_endpoints(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)
    subscribed = make_endpoint(world.engagement_a, "https://a.example.com/1", ["task.resolved"])
    make_endpoint(world.engagement_a, "https://a.example.com/2", ["task.overdue"])
    make_endpoint(world.engagement_a, "https://a.example.com/3", ["task.resolved"], active=False)
    make_endpoint(world.engagement_b, "https://b.example.com/1", ["task.resolved"])

    with django_capture_on_commit_callbacks() as callbacks:
        count = webhook_event_emit(
            engagement=world.engagement_a, event="task.resolved", payload={"task_id": 1}
        )
        assert sent == []  # nothing is enqueued before the commit

    assert count == 1
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.endpoint == subscribed
    assert (delivery.status, delivery.attempts, delivery.payload) == (PENDING, 0, {"task_id": 1})
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [delivery.pk]


def test_emit_in_a_rolled_back_transaction_enqueues_nothing(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)
    make_endpoint(world.engagement_a, "https://a.example.com/1")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            webhook_event_emit(engagement=world.engagement_a, event="task.overdue", payload={})
            raise RuntimeError("the caller's change fails")

    assert callbacks == []
    assert sent == []
    assert not WebhookDelivery.objects.exists()


def test_emit_to_several_endpoints_shares_one_event_id(world, monkeypatch):
    monkeypatch.setattr(webhook_delivery_send_task, "delay", lambda pk: None)
    make_endpoint(world.engagement_a, "https://a.example.com/1")
    make_endpoint(world.engagement_a, "https://a.example.com/2")

    assert webhook_event_emit(engagement=world.engagement_a, event="task.overdue", payload={}) == 2
    assert len(set(WebhookDelivery.objects.values_list("event_id", flat=True))) == 1


def test_emit_with_no_listener_costs_one_query(world, django_assert_num_queries):
    make_endpoint(world.engagement_a, "https://a.example.com/1", ["task.overdue"])
    with django_assert_num_queries(1):
        assert (
            webhook_event_emit(engagement=world.engagement_a, event="task.resolved", payload={})
            == 0
        )


# --- the sweeper -------------------------------------------------------------------------------


def test_sweeper_re_enqueues_due_deliveries_once(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)
    endpoint = make_endpoint(world.engagement_a, "https://a.example.com/1")
    now = timezone.now()

    def delivery(**fields):
        return WebhookDelivery.objects.create(endpoint=endpoint, event="task.overdue", **fields)

    lost = delivery(next_attempt_at=now - timedelta(minutes=5), attempts=1)
    crashed = delivery(next_attempt_at=now - timedelta(minutes=3), attempts=2)  # lease expired
    delivery(next_attempt_at=now - timedelta(seconds=30))  # its own retry is on the way
    delivery(next_attempt_at=now + timedelta(minutes=1))
    delivery(next_attempt_at=now - timedelta(minutes=5), status=DELIVERED)
    delivery(next_attempt_at=now - timedelta(minutes=5), status=FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        first = webhook_deliveries_retry_due(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        second = webhook_deliveries_retry_due(now=now + timedelta(seconds=60))

    assert sorted(first) == sorted([lost.pk, crashed.pk])
    assert second == []
    assert sorted(sent) == sorted([lost.pk, crashed.pk])
    lost.refresh_from_db()
    assert lost.next_attempt_at == now  # due at once for the sender, left alone by the sweeper


def test_a_swept_delivery_is_sent_by_the_task(world, endpoint, receiver, monkeypatch):
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)
    delivery = emit_one(world.engagement_a)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=10)
    )

    assert webhook_deliveries_retry_due() == [delivery.pk]
    assert webhook_delivery_send_task(delivery.pk) == "delivered"
    assert len(receiver.requests) == 1


# --- admin -------------------------------------------------------------------------------------


def test_admin_never_shows_the_secret(client, world):
    from tests.tenancy.factories import UserFactory

    endpoint = make_endpoint(world.engagement_a, "https://a.example.com/1", secret="whsec_admin")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    listing = client.get("/admin/webhooks/webhookendpoint/")
    change = client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")

    assert listing.status_code == change.status_code == 200
    assert b"whsec_admin" not in listing.content
    assert b"whsec_admin" not in change.content
    assert b'name="secret"' not in change.content


@pytest.mark.parametrize("answer, outcome", [(200, "delivered"), (500, "failed")])
def test_retry_now_gives_a_failed_delivery_exactly_one_more_attempt(
    world, endpoint, receiver, monkeypatch, answer, outcome
):
    from maestro.webhooks.services import webhook_delivery_retry

    monkeypatch.setattr(webhook_delivery_send_task, "delay", lambda pk: None)
    delivery = emit_one(world.engagement_a)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=FAILED, attempts=6)
    delivery.refresh_from_db()
    receiver.answer(answer)

    webhook_delivery_retry(delivery=delivery, by=world.consultant)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == outcome
    delivery.refresh_from_db()
    assert delivery.attempts == 7
    assert len(receiver.requests) == 1


def test_batch_emit_costs_two_queries_and_one_hook_for_any_batch_size(
    world, monkeypatch, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from maestro.webhooks.services import webhook_events_emit

    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)
    make_endpoint(world.engagement_a, "https://a.example.com/1", ["decision.escalated"])
    make_endpoint(world.engagement_a, "https://a.example.com/2", ["decision.escalated"])
    payloads = [{"decision_id": n} for n in range(50)]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with django_assert_num_queries(2):
            count = webhook_events_emit(
                engagement=world.engagement_a, event="decision.escalated", payloads=payloads
            )

    assert count == 100
    assert len(callbacks) == 1
    assert len(sent) == 100
    # One id per event, shared by its two deliveries.
    ids = WebhookDelivery.objects.values_list("event_id", flat=True)
    assert len(set(ids)) == 50


def test_the_readme_verification_recipe_accepts_a_real_request(world, endpoint, receiver):
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    webhooks = readme.split("## Webhooks", 1)[1]
    recipe = webhooks.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(recipe, namespace)
    delivery = emit_one(world.engagement_a)
    webhook_delivery_send(delivery_id=delivery.pk)
    [request] = receiver.requests

    assert namespace["verify"]("whsec_test-secret", request.headers, request.body)
    assert not namespace["verify"]("whsec_other", request.headers, request.body)
    assert not namespace["verify"]("whsec_test-secret", request.headers, request.body + b" ")


def test_a_ping_reaches_the_receiver_signed(world, endpoint, receiver, monkeypatch):
    from maestro.webhooks.services import webhook_test_ping

    monkeypatch.setattr(webhook_delivery_send_task, "delay", lambda pk: None)
    delivery = webhook_test_ping(endpoint=endpoint, by=world.consultant)

    assert webhook_delivery_send(delivery_id=delivery.pk).outcome == "delivered"

    [request] = receiver.requests
    assert request.headers["X-Maestro-Event"] == "ping"
    assert json.loads(request.body)["data"]["endpoint_id"] == endpoint.pk
    assert verify("whsec_test-secret", request.headers, request.body)
