import pytest

from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint
from maestro.webhooks.tasks import webhook_delivery_send_task
from tests.conftest import client_for
from tests.harness.isolation import assert_hidden
from tests.webhooks.conftest import make_endpoint

URL = "https://hooks.acme.example/maestro"


@pytest.fixture
def endpoint_a(world):
    return make_endpoint(world.engagement_a, URL, ["task.resolved"], secret="whsec_a")


@pytest.fixture
def endpoint_b(world):
    return make_endpoint(world.engagement_b, "https://b.example.com/h", secret="whsec_b")


def test_consultant_creates_an_endpoint_and_gets_its_secret_once(world):
    r = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/webhook-endpoints/",
        {"url": URL, "events": ["task.overdue", "task.resolved"]},
    )

    assert r.status_code == 201, r.json()
    body = r.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == endpoint.secret
    assert body["events"] == ["task.resolved", "task.overdue"]
    assert (body["url"], body["active"], body["pending_count"]) == (URL, True, 0)

    detail = client_for(world.consultant).get(f"/api/webhook-endpoints/{endpoint.pk}/")
    assert detail.status_code == 200
    assert "secret" not in detail.json()


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_client_side_users_cannot_create(world, who):
    r = client_for(getattr(world, who)).post(
        f"/api/engagements/{world.engagement_a.pk}/webhook-endpoints/",
        {"url": URL, "events": ["task.overdue"]},
    )
    assert r.status_code == 403
    assert r.json()["code"] == "not_consultant"
    assert not WebhookEndpoint.objects.exists()


def test_create_on_another_tenants_engagement_is_404(world):
    assert_hidden(
        client_for(world.consultant),
        [
            (
                "post",
                f"/api/engagements/{world.engagement_b.pk}/webhook-endpoints/",
                {"url": URL, "events": ["task.overdue"]},
            )
        ],
        unchanged=lambda: WebhookEndpoint.objects.count(),
    )


@pytest.mark.parametrize(
    "payload, field, fragment",
    [
        ({"url": URL, "events": ["task.boom"]}, "events", "not a valid choice"),
        ({"url": URL, "events": []}, "events", "may not be empty"),
        ({"url": "not a url", "events": ["task.overdue"]}, "url", "valid URL"),
        ({"url": "ftp://hooks.acme.example/x", "events": ["task.overdue"]}, "url", "http://"),
        ({"url": URL, "events": ["task.overdue"], "secret": "mine"}, "secret", "Unknown field"),
        ({"events": ["task.overdue"]}, "url", "required"),
    ],
)
def test_create_rejects_bad_input_with_field_errors(world, payload, field, fragment):
    r = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/webhook-endpoints/", payload
    )
    assert r.status_code == 400
    assert fragment in str(r.json()[field])


def test_create_refuses_a_private_address_when_private_hosts_are_off(world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    r = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/webhook-endpoints/",
        {"url": "http://10.0.0.5/hook", "events": ["task.overdue"]},
    )
    assert r.status_code == 400
    assert "private or loopback" in r.json()["url"][0]


# IPv6 forms that embed a private IPv4 address, and site-local IPv6.
DISGUISED_PRIVATE_URLS = [
    "http://[::127.0.0.1]/hook",  # IPv4-compatible loopback
    "http://[64:ff9b::a9fe:a9fe]/latest",  # NAT64 of 169.254.169.254
    "http://[fec0::1]/hook",  # site-local
    "http://[2002:a00:5::1]/hook",  # 6to4 of 10.0.0.5
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
]


@pytest.mark.parametrize("url", DISGUISED_PRIVATE_URLS)
def test_create_and_edit_refuse_disguised_private_addresses(world, settings, endpoint_a, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    api = client_for(world.consultant)

    created = api.post(
        f"/api/engagements/{world.engagement_a.pk}/webhook-endpoints/",
        {"url": url, "events": ["task.overdue"]},
    )
    edited = api.patch(f"/api/webhook-endpoints/{endpoint_a.pk}/", {"url": url})

    assert created.status_code == 400
    assert "private or loopback" in created.json()["url"][0]
    assert edited.status_code == 400
    assert "private or loopback" in edited.json()["url"][0]
    assert list(WebhookEndpoint.objects.values_list("url", flat=True)) == [URL]


def test_create_accepts_public_ipv6_and_nat64_of_a_public_address(world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    api = client_for(world.consultant)
    for url in ("http://[2606:4700::1111]/hook", "http://[64:ff9b::808:808]/hook"):
        r = api.post(
            f"/api/engagements/{world.engagement_a.pk}/webhook-endpoints/",
            {"url": url, "events": ["task.overdue"]},
        )
        assert r.status_code == 201, r.json()
        assert WebhookEndpoint.objects.get(pk=r.json()["id"]).url == url


@pytest.mark.parametrize("who", ["consultant", "operator_a", "sponsor_a"])
def test_everyone_on_the_engagement_lists_endpoints_without_secrets(world, endpoint_a, who):
    r = client_for(getattr(world, who)).get(
        f"/api/engagements/{world.engagement_a.pk}/webhook-endpoints/"
    )
    assert r.status_code == 200
    [row] = r.json()["results"]
    assert row["id"] == endpoint_a.pk
    assert "secret" not in row
    assert "whsec_a" not in r.content.decode()


def test_other_tenants_endpoint_is_404_everywhere(world, endpoint_b):
    client = client_for(world.consultant)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint_b, event="task.overdue", status=WebhookDelivery.Status.FAILED
    )
    base = f"/api/webhook-endpoints/{endpoint_b.pk}/"
    assert_hidden(
        client,
        [
            ("get", base),
            ("patch", base, {"active": False}),
            ("delete", base),
            ("get", base + "secret/"),
            ("post", base + "rotate-secret/"),
            ("get", base + "deliveries/"),
            ("get", f"/api/webhook-deliveries/{delivery.pk}/"),
            ("post", f"/api/webhook-deliveries/{delivery.pk}/retry/"),
            ("get", f"/api/engagements/{world.engagement_b.pk}/webhook-endpoints/"),
        ],
    )
    endpoint_b.refresh_from_db()
    assert endpoint_b.active


def test_secret_is_for_consultants_only(world, endpoint_a):
    path = f"/api/webhook-endpoints/{endpoint_a.pk}/secret/"
    assert client_for(world.consultant).get(path).json() == {"secret": "whsec_a"}
    for user in (world.operator_a, world.sponsor_a):
        r = client_for(user).get(path)
        assert r.status_code == 403
        assert r.json()["code"] == "not_consultant"


def test_patch_updates_and_operator_gets_403(world, endpoint_a):
    path = f"/api/webhook-endpoints/{endpoint_a.pk}/"

    denied = client_for(world.operator_a).patch(path, {"active": False})
    r = client_for(world.consultant).patch(path, {"active": False, "events": ["task.overdue"]})

    assert denied.status_code == 403
    assert r.status_code == 200
    assert (r.json()["active"], r.json()["events"]) == (False, ["task.overdue"])
    endpoint_a.refresh_from_db()
    assert (endpoint_a.active, endpoint_a.events) == (False, ["task.overdue"])


def test_patch_rejects_unknown_fields(world, endpoint_a):
    r = client_for(world.consultant).patch(
        f"/api/webhook-endpoints/{endpoint_a.pk}/", {"secret": "mine"}
    )
    assert r.status_code == 400
    assert r.json() == {"secret": ["Unknown field; it cannot be set here."]}
    endpoint_a.refresh_from_db()
    assert endpoint_a.secret == "whsec_a"


def test_rotate_secret_answers_the_new_one(world, endpoint_a):
    r = client_for(world.consultant).post(f"/api/webhook-endpoints/{endpoint_a.pk}/rotate-secret/")
    assert r.status_code == 200
    endpoint_a.refresh_from_db()
    assert r.json()["secret"] == endpoint_a.secret != "whsec_a"


def test_delete_and_sponsor_gets_403(world, endpoint_a):
    path = f"/api/webhook-endpoints/{endpoint_a.pk}/"
    assert client_for(world.sponsor_a).delete(path).status_code == 403
    assert client_for(world.consultant).delete(path).status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_delivery_log_lists_newest_first_and_filters_by_status(world, endpoint_a):
    old = WebhookDelivery.objects.create(
        endpoint=endpoint_a,
        event="task.resolved",
        status=WebhookDelivery.Status.FAILED,
        attempts=6,
        last_status_code=500,
        last_error="HTTP 500",
    )
    new = WebhookDelivery.objects.create(endpoint=endpoint_a, event="task.resolved")
    path = f"/api/webhook-endpoints/{endpoint_a.pk}/deliveries/"

    everything = client_for(world.sponsor_a).get(path)
    failed = client_for(world.sponsor_a).get(path, {"status": "failed"})
    bad = client_for(world.sponsor_a).get(path, {"status": "lost"})

    assert [d["id"] for d in everything.json()["results"]] == [new.pk, old.pk]
    [row] = failed.json()["results"]
    assert (row["id"], row["attempts"], row["last_status_code"], row["last_error"]) == (
        old.pk,
        6,
        500,
        "HTTP 500",
    )
    assert bad.status_code == 400
    assert "not a valid choice" in bad.json()["status"][0]


def test_delivery_log_query_count_does_not_grow(world, endpoint_a, django_assert_max_num_queries):
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint_a, event="task.resolved") for _ in range(30)
    )
    with django_assert_max_num_queries(8):
        r = client_for(world.consultant).get(f"/api/webhook-endpoints/{endpoint_a.pk}/deliveries/")
    assert r.json()["count"] == 30


def test_retry_now_through_the_api(world, endpoint_a, monkeypatch):
    monkeypatch.setattr(webhook_delivery_send_task, "delay", lambda pk: None)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint_a, event="task.resolved", status=WebhookDelivery.Status.FAILED
    )
    path = f"/api/webhook-deliveries/{delivery.pk}/retry/"

    denied = client_for(world.operator_a).post(path)
    r = client_for(world.consultant).post(path)
    again = client_for(world.consultant).post(path)

    assert denied.status_code == 403
    assert r.status_code == 200
    assert r.json()["status"] == "pending"
    assert again.status_code == 409
    assert again.json()["code"] == "delivery_not_failed"


def test_schema_describes_the_webhook_operations(world):
    paths = client_for(world.consultant).get("/api/schema/?format=json").json()["paths"]
    for path in [
        "/api/engagements/{engagement_id}/webhook-endpoints/",
        "/api/webhook-endpoints/{endpoint_id}/",
        "/api/webhook-endpoints/{endpoint_id}/secret/",
        "/api/webhook-endpoints/{endpoint_id}/rotate-secret/",
        "/api/webhook-endpoints/{endpoint_id}/deliveries/",
        "/api/webhook-deliveries/{delivery_id}/retry/",
    ]:
        assert path in paths, path
    retry = paths["/api/webhook-deliveries/{delivery_id}/retry/"]["post"]
    assert {"200", "403", "404", "409"} <= set(retry["responses"])


def test_ping_through_the_api(world, endpoint_a, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)
    path = f"/api/webhook-endpoints/{endpoint_a.pk}/ping/"

    denied = client_for(world.sponsor_a).post(path)
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for(world.consultant).post(path)

    assert denied.status_code == 403
    assert denied.json()["code"] == "not_consultant"
    assert r.status_code == 202
    assert (r.json()["event"], r.json()["status"]) == ("ping", "pending")
    assert sent == [r.json()["id"]]


def test_api_refuses_ping_as_a_subscription(world):
    r = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/webhook-endpoints/",
        {"url": URL, "events": ["ping"]},
    )
    assert r.status_code == 400
    assert "not a valid choice" in str(r.json()["events"])
