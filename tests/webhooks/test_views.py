import pytest

from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint
from maestro.webhooks.tasks import webhook_delivery_send_task
from tests.harness.isolation import assert_hidden
from tests.webhooks.conftest import make_endpoint


@pytest.fixture
def endpoint_a(world):
    return make_endpoint(world.engagement_a, "https://hooks.acme.example/m", secret="whsec_page")


def login(client, user):
    client.force_login(user)
    return client


def test_engagement_page_links_to_webhooks(client, world):
    r = login(client, world.operator_a).get(world.engagement_a.get_absolute_url())
    assert f'href="/engagements/{world.engagement_a.pk}/webhooks/"'.encode() in r.content


def test_consultant_adds_an_endpoint_with_event_checkboxes(client, world):
    login(client, world.consultant)
    path = f"/engagements/{world.engagement_a.pk}/webhooks/new/"

    form = client.get(path)
    r = client.post(
        path,
        {"url": "https://hooks.acme.example/m", "events": ["task.overdue"], "active": "on"},
    )

    assert form.status_code == 200
    assert b'type="checkbox" name="events" value="decision.escalated"' in form.content
    endpoint = WebhookEndpoint.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/webhooks/{endpoint.pk}/"
    assert endpoint.events == ["task.overdue"]
    page = client.get(r["Location"])
    assert endpoint.secret.encode() in page.content


def test_add_form_shows_field_errors(client, world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    login(client, world.consultant)
    r = client.post(
        f"/engagements/{world.engagement_a.pk}/webhooks/new/",
        {"url": "http://127.0.0.1/x", "events": []},
    )
    assert r.status_code == 400
    assert b"This field is required." in r.content  # no event ticked
    assert not WebhookEndpoint.objects.exists()

    r = client.post(
        f"/engagements/{world.engagement_a.pk}/webhooks/new/",
        {"url": "http://127.0.0.1/x", "events": ["task.overdue"]},
    )
    assert r.status_code == 400
    assert b"private or loopback" in r.content


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_client_side_users_read_the_log_but_never_the_secret(client, world, endpoint_a, who):
    WebhookDelivery.objects.create(
        endpoint=endpoint_a,
        event="task.overdue",
        status=WebhookDelivery.Status.FAILED,
        attempts=6,
        last_status_code=503,
        last_error="HTTP 503: down for maintenance",
    )
    login(client, getattr(world, who))

    listing = client.get(f"/engagements/{world.engagement_a.pk}/webhooks/")
    page = client.get(f"/webhooks/{endpoint_a.pk}/")

    assert listing.status_code == page.status_code == 200
    assert b"https://hooks.acme.example/m" in listing.content
    assert b"down for maintenance" in page.content
    assert b"503" in page.content
    assert b"whsec_page" not in page.content
    assert b"Retry now" not in page.content
    assert b"Add endpoint" not in listing.content


@pytest.mark.parametrize(
    "path",
    [
        "/engagements/{engagement}/webhooks/new/",
        "/webhooks/{endpoint}/edit/",
        "/webhooks/{endpoint}/delete/",
    ],
)
def test_operator_gets_403_on_the_forms(client, world, endpoint_a, path):
    login(client, world.operator_a)
    url = path.format(engagement=world.engagement_a.pk, endpoint=endpoint_a.pk)
    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"url": "https://x.example.com/", "events": ["task.overdue"]}).status_code
        == 403
    )


@pytest.mark.parametrize("action", ["delete", "rotate-secret"])
def test_operator_gets_403_on_actions(client, world, endpoint_a, action):
    login(client, world.operator_a)
    assert client.post(f"/webhooks/{endpoint_a.pk}/{action}/").status_code == 403
    endpoint_a.refresh_from_db()
    assert endpoint_a.secret == "whsec_page"


def test_other_tenants_endpoint_pages_are_404(client, world, endpoint_a):
    login(client, world.consultant_b)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint_a, event="task.overdue", status=WebhookDelivery.Status.FAILED
    )
    assert_hidden(
        client,
        [
            ("get", f"/engagements/{world.engagement_a.pk}/webhooks/"),
            ("get", f"/webhooks/{endpoint_a.pk}/"),
            ("get", f"/webhooks/{endpoint_a.pk}/edit/"),
            ("get", f"/webhooks/{endpoint_a.pk}/delete/"),
            ("post", f"/webhooks/{endpoint_a.pk}/delete/"),
            ("post", f"/webhooks/deliveries/{delivery.pk}/retry/"),
        ],
    )
    assert WebhookEndpoint.objects.filter(pk=endpoint_a.pk).exists()


def test_consultant_edits_rotates_and_deletes(client, world, endpoint_a):
    login(client, world.consultant)

    r = client.post(
        f"/webhooks/{endpoint_a.pk}/edit/",
        {"url": "https://new.acme.example/m", "events": ["task.resolved", "task.overdue"]},
    )
    assert r.status_code == 302
    endpoint_a.refresh_from_db()
    assert endpoint_a.url == "https://new.acme.example/m"
    assert endpoint_a.events == ["task.resolved", "task.overdue"]
    assert endpoint_a.active is False  # unticked box

    client.post(f"/webhooks/{endpoint_a.pk}/rotate-secret/")
    endpoint_a.refresh_from_db()
    assert endpoint_a.secret != "whsec_page"

    r = client.post(f"/webhooks/{endpoint_a.pk}/delete/")
    assert r["Location"] == f"/engagements/{world.engagement_a.pk}/webhooks/"
    assert not WebhookEndpoint.objects.exists()


def test_delete_asks_for_confirmation_with_what_goes(client, world, endpoint_a):
    WebhookEndpoint.objects.filter(pk=endpoint_a.pk).update(
        events=["task.overdue", "task.resolved"]
    )
    for status in ("delivered", "delivered", "pending"):
        WebhookDelivery.objects.create(endpoint=endpoint_a, event="task.overdue", status=status)
    login(client, world.consultant)

    detail = client.get(f"/webhooks/{endpoint_a.pk}/").content.decode()
    r = client.get(f"/webhooks/{endpoint_a.pk}/delete/")

    # The endpoint page links to the confirmation; nothing there deletes in one click.
    assert f'href="/webhooks/{endpoint_a.pk}/delete/"' in detail
    assert f'action="/webhooks/{endpoint_a.pk}/delete/"' not in detail
    html = r.content.decode()
    assert r.status_code == 200
    assert "<code>https://hooks.acme.example/m</code>" in html
    assert "<code>task.overdue</code>, <code>task.resolved</code>" in html
    assert "3 deliveries, 1 of them pending, which will not be sent" in html
    assert '<button type="submit" class="button danger">Delete endpoint</button>' in html
    assert f'<a class="button subtle" href="/webhooks/{endpoint_a.pk}/">Cancel</a>' in html
    assert WebhookEndpoint.objects.filter(pk=endpoint_a.pk).exists()
    assert WebhookDelivery.objects.count() == 3


def test_delete_confirmation_counts_one_delivery_and_an_empty_log(client, world, endpoint_a):
    login(client, world.consultant)
    assert b"0 deliveries<" in client.get(f"/webhooks/{endpoint_a.pk}/delete/").content
    WebhookDelivery.objects.create(endpoint=endpoint_a, event="task.overdue", status="delivered")
    assert b"1 delivery<" in client.get(f"/webhooks/{endpoint_a.pk}/delete/").content


def test_confirmed_delete_removes_the_endpoint_and_its_log(client, world, endpoint_a):
    WebhookDelivery.objects.create(endpoint=endpoint_a, event="task.overdue", status="failed")
    login(client, world.consultant)

    r = client.post(f"/webhooks/{endpoint_a.pk}/delete/", follow=True)

    assert r.redirect_chain == [(f"/engagements/{world.engagement_a.pk}/webhooks/", 302)]
    assert b"Endpoint deleted with its delivery log." in r.content
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_retry_now_button_on_failed_deliveries(client, world, endpoint_a, monkeypatch):
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)
    failed = WebhookDelivery.objects.create(
        endpoint=endpoint_a, event="task.overdue", status=WebhookDelivery.Status.FAILED
    )
    WebhookDelivery.objects.create(endpoint=endpoint_a, event="task.resolved")
    login(client, world.consultant)

    page = client.get(f"/webhooks/{endpoint_a.pk}/")
    assert page.content.count(b"Retry now</button>") == 1
    assert f"/webhooks/deliveries/{failed.pk}/retry/".encode() in page.content

    r = client.post(f"/webhooks/deliveries/{failed.pk}/retry/", follow=True)
    assert b"Retrying" in r.content
    failed.refresh_from_db()
    assert failed.status == WebhookDelivery.Status.PENDING

    again = client.post(f"/webhooks/deliveries/{failed.pk}/retry/", follow=True)
    assert b"Only failed deliveries can be retried" in again.content


def test_operator_cannot_retry(client, world, endpoint_a):
    failed = WebhookDelivery.objects.create(
        endpoint=endpoint_a, event="task.overdue", status=WebhookDelivery.Status.FAILED
    )
    login(client, world.operator_a)
    assert client.post(f"/webhooks/deliveries/{failed.pk}/retry/").status_code == 403
    failed.refresh_from_db()
    assert failed.status == WebhookDelivery.Status.FAILED


def test_consultant_sends_a_test_ping_from_the_page(
    client, world, endpoint_a, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)
    login(client, world.consultant)

    page = client.get(f"/webhooks/{endpoint_a.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/webhooks/{endpoint_a.pk}/ping/", follow=True)

    assert b"Send test ping" in page.content
    assert b"Ping queued" in r.content
    ping = WebhookDelivery.objects.get(event="ping")
    assert sent == [ping.pk]
    assert b"<code>ping</code>" in r.content  # in the log at once, pending


def test_operator_cannot_ping(client, world, endpoint_a):
    login(client, world.operator_a)
    assert client.post(f"/webhooks/{endpoint_a.pk}/ping/").status_code == 403
    assert not WebhookDelivery.objects.exists()
