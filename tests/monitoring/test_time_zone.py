"""A client's time zone: read and written through the API (its consultants), edited on a page
linked from the engagement and client pages, validated, audited."""

import pytest
from django.urls import reverse

from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.tenancy.models import Client
from tests.conftest import client_for
from tests.harness.isolation import assert_hidden_from_outsiders, page_as

pytestmark = pytest.mark.django_db


def _zone(client: Client) -> str:
    return Client.objects.get(pk=client.pk).time_zone


def test_client_answers_its_time_zone(world):
    r = client_for(world.operator_a).get(f"/api/clients/{world.client_a.pk}/")
    assert r.status_code == 200
    assert r.json()["time_zone"] == "UTC"  # DJANGO_TIME_ZONE
    r = client_for(world.consultant).get(f"/api/engagements/{world.engagement_a.pk}/")
    assert r.json()["client"]["time_zone"] == "UTC"


def test_consultant_changes_it_and_the_change_is_audited(world):
    r = client_for(world.consultant).patch(
        f"/api/clients/{world.client_a.pk}/", {"time_zone": "Europe/Lisbon"}, format="json"
    )

    assert r.status_code == 200, r.content
    assert r.json()["time_zone"] == "Europe/Lisbon"
    assert _zone(world.client_a) == "Europe/Lisbon"
    entry = AuditEntry.objects.get(event=AuditEvent.CLIENT_TIME_ZONE_CHANGED)
    assert entry.client_id == world.client_a.pk and entry.actor_user_id == world.consultant.pk
    assert entry.changes == {"time_zone": ["UTC", "Europe/Lisbon"]}


def test_setting_the_same_zone_records_nothing(world):
    r = client_for(world.staff).patch(
        f"/api/clients/{world.client_a.pk}/", {"time_zone": "UTC"}, format="json"
    )
    assert r.status_code == 200
    assert not AuditEntry.objects.filter(event=AuditEvent.CLIENT_TIME_ZONE_CHANGED).exists()


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "local", "/etc/localtime", "", "../UTC", "x" * 65]
)
def test_an_unknown_zone_is_a_400_naming_the_field(world, zone):
    r = client_for(world.consultant).patch(
        f"/api/clients/{world.client_a.pk}/", {"time_zone": zone}, format="json"
    )
    assert r.status_code == 400
    assert list(r.json()) == ["time_zone"]
    assert _zone(world.client_a) == "UTC"


def test_unknown_zone_message_names_it(world):
    r = client_for(world.consultant).patch(
        f"/api/clients/{world.client_a.pk}/", {"time_zone": "Mars/Olympus"}, format="json"
    )
    assert r.json() == {
        "time_zone": ["“Mars/Olympus” is not a known IANA time zone, such as Europe/Lisbon."]
    }


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_client_side_people_may_not_change_it(world, who):
    r = client_for(getattr(world, who)).patch(
        f"/api/clients/{world.client_a.pk}/", {"time_zone": "Europe/Lisbon"}, format="json"
    )
    assert r.status_code == 403
    assert r.json()["code"] == "not_consultant"
    assert _zone(world.client_a) == "UTC"


def test_outsiders_get_404_and_change_nothing(world):
    assert_hidden_from_outsiders(
        world,
        [
            ("get", f"/api/clients/{world.client_a.pk}/"),
            ("patch", f"/api/clients/{world.client_a.pk}/", {"time_zone": "Europe/Lisbon"}),
        ],
        unchanged=lambda: _zone(world.client_a),
        format="json",
    )
    assert_hidden_from_outsiders(
        world,
        [("get", reverse("engagements:client-time-zone", args=[world.client_a.pk]))],
        as_page=True,
    )


def test_a_client_is_created_with_a_time_zone(world):
    r = client_for(world.consultant).post(
        "/api/clients/",
        {"name": "Gamma", "slug": "gamma", "time_zone": "America/New_York"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert Client.objects.get(slug="gamma").time_zone == "America/New_York"
    r = client_for(world.consultant).post(
        "/api/clients/", {"name": "Delta", "slug": "delta", "time_zone": "Nowhere"}, format="json"
    )
    assert r.status_code == 400 and list(r.json()) == ["time_zone"]
    assert not Client.objects.filter(slug="delta").exists()


def test_engagement_page_shows_it_with_a_link_for_consultants(world):
    page = page_as(world.consultant).get(world.engagement_a.get_absolute_url()).content.decode()
    url = reverse("engagements:client-time-zone", args=[world.client_a.pk])
    assert "Client&#x27;s time zone" in page or "Client's time zone" in page
    assert url in page
    operator_page = page_as(world.operator_a).get(world.engagement_a.get_absolute_url())
    assert "UTC" in operator_page.content.decode() and url not in operator_page.content.decode()


def test_client_page_shows_it(world):
    page = page_as(world.consultant).get(reverse("people:client", args=[world.client_a.pk]))
    assert "Time zone: UTC" in page.content.decode()


def test_page_form_changes_it_and_goes_back(world):
    url = reverse("engagements:client-time-zone", args=[world.client_a.pk])
    back = world.engagement_a.get_absolute_url()
    browser = page_as(world.consultant)
    assert browser.get(url).status_code == 200

    r = browser.post(f"{url}?next={back}", {"time_zone": "Asia/Tokyo"})

    assert r.status_code == 302 and r["Location"] == back
    assert _zone(world.client_a) == "Asia/Tokyo"
    assert AuditEntry.objects.filter(event=AuditEvent.CLIENT_TIME_ZONE_CHANGED).count() == 1


def test_page_form_refuses_an_unknown_zone_and_an_operator(world):
    url = reverse("engagements:client-time-zone", args=[world.client_a.pk])
    r = page_as(world.consultant).post(url, {"time_zone": "Mars/Olympus"})
    assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    assert page_as(world.operator_a).get(url).status_code == 403
    assert page_as(world.operator_a).post(url, {"time_zone": "Asia/Tokyo"}).status_code == 403
    assert _zone(world.client_a) == "UTC"


def test_page_ignores_an_offsite_next(world):
    url = reverse("engagements:client-time-zone", args=[world.client_a.pk])
    r = page_as(world.consultant).post(f"{url}?next=https://evil.example/", {"time_zone": "UTC"})
    assert r.status_code == 302 and "evil" not in r["Location"]
