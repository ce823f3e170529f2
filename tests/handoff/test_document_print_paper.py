"""The client's paper size, which the handoff PDF is laid out for: read and written through the
API and the client's settings page (its consultants), and the admin; validated and audited."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.engagements.services import client_settings_update
from maestro.tenancy.models import Client, PaperSize
from tests.conftest import client_for
from tests.harness.isolation import assert_hidden_from_outsiders, page_as
from tests.tenancy.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def _saved(client: Client) -> tuple[str, str]:
    stored = Client.objects.get(pk=client.pk)
    return stored.time_zone, stored.paper_size


def _paper_changes():
    return list(
        AuditEntry.objects.filter(event=AuditEvent.CLIENT_PAPER_SIZE_CHANGED).values_list(
            "actor_user_id", "client_id", "changes"
        )
    )


def test_the_api_answers_the_paper_size(world):
    r = client_for(world.operator_a).get(f"/api/clients/{world.client_a.pk}/")
    assert r.status_code == 200
    assert r.json()["paper_size"] == "a4"
    r = client_for(world.consultant).get(f"/api/engagements/{world.engagement_a.pk}/")
    assert r.json()["client"]["paper_size"] == "a4"


def test_a_consultant_sets_it_and_the_change_is_audited(world):
    r = client_for(world.consultant).patch(
        f"/api/clients/{world.client_a.pk}/", {"paper_size": "letter"}, format="json"
    )

    assert r.status_code == 200, r.content
    assert r.json()["paper_size"] == "letter"
    assert _saved(world.client_a) == ("UTC", PaperSize.LETTER)
    assert _paper_changes() == [
        (world.consultant.pk, world.client_a.pk, {"paper_size": ["a4", "letter"]})
    ]
    # The time zone was not given: untouched, nothing recorded about it.
    assert not AuditEntry.objects.filter(event=AuditEvent.CLIENT_TIME_ZONE_CHANGED).exists()


def test_both_settings_in_one_request(world):
    r = client_for(world.staff).patch(
        f"/api/clients/{world.client_a.pk}/",
        {"paper_size": "letter", "time_zone": "America/Chicago"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert _saved(world.client_a) == ("America/Chicago", PaperSize.LETTER)
    assert len(_paper_changes()) == 1
    assert AuditEntry.objects.filter(event=AuditEvent.CLIENT_TIME_ZONE_CHANGED).count() == 1


def test_setting_the_same_size_records_nothing(world):
    r = client_for(world.consultant).patch(
        f"/api/clients/{world.client_a.pk}/", {"paper_size": "a4"}, format="json"
    )
    assert r.status_code == 200
    assert _paper_changes() == []


@pytest.mark.parametrize("paper", ["a5", "A4", "Letter", "", None, 4])
def test_an_unknown_size_is_a_400_naming_the_field(world, paper):
    r = client_for(world.consultant).patch(
        f"/api/clients/{world.client_a.pk}/", {"paper_size": paper}, format="json"
    )
    assert r.status_code == 400
    assert list(r.json()) == ["paper_size"]
    assert _saved(world.client_a) == ("UTC", PaperSize.A4)
    assert _paper_changes() == []


def test_the_message_names_the_value(world):
    r = client_for(world.consultant).patch(
        f"/api/clients/{world.client_a.pk}/", {"paper_size": "a5"}, format="json"
    )
    assert r.json() == {"paper_size": ['"a5" is not a valid choice.']}


def test_a_bad_size_changes_no_time_zone_either(world):
    r = client_for(world.consultant).patch(
        f"/api/clients/{world.client_a.pk}/",
        {"paper_size": "a5", "time_zone": "Asia/Tokyo"},
        format="json",
    )
    assert r.status_code == 400
    assert _saved(world.client_a) == ("UTC", PaperSize.A4)
    # The service, too, sets both or neither.
    with pytest.raises(ValidationError) as refused:
        client_settings_update(
            client=world.client_a, by=world.consultant, time_zone="Asia/Tokyo", paper_size="a5"
        )
    assert list(refused.value.message_dict) == ["paper_size"]
    assert _saved(world.client_a) == ("UTC", PaperSize.A4)
    assert not AuditEntry.objects.filter(event=AuditEvent.CLIENT_TIME_ZONE_CHANGED).exists()


def test_an_empty_update_says_what_it_takes(world):
    r = client_for(world.consultant).patch(f"/api/clients/{world.client_a.pk}/", {}, format="json")
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": ["Give the time_zone, the paper_size or both."]}


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_client_side_people_may_not_change_it(world, who):
    r = client_for(getattr(world, who)).patch(
        f"/api/clients/{world.client_a.pk}/", {"paper_size": "letter"}, format="json"
    )
    assert r.status_code == 403
    assert r.json()["code"] == "not_consultant"
    assert _saved(world.client_a) == ("UTC", PaperSize.A4)


def test_outsiders_get_404_and_change_nothing(world):
    assert_hidden_from_outsiders(
        world,
        [("patch", f"/api/clients/{world.client_a.pk}/", {"paper_size": "letter"})],
        unchanged=lambda: _saved(world.client_a),
        format="json",
    )
    url = reverse("engagements:client-time-zone", args=[world.client_a.pk])
    assert_hidden_from_outsiders(
        world,
        [("post", url, {"time_zone": "UTC", "paper_size": "letter"})],
        unchanged=lambda: _saved(world.client_a),
        as_page=True,
    )


def test_the_settings_page_sets_it_and_goes_back(world):
    url = reverse("engagements:client-time-zone", args=[world.client_a.pk])
    back = world.engagement_a.get_absolute_url()
    browser = page_as(world.consultant)
    page = browser.get(url).content.decode()
    assert 'name="paper_size"' in page and "US Letter" in page

    r = browser.post(f"{url}?next={back}", {"time_zone": "UTC", "paper_size": "letter"})

    assert r.status_code == 302 and r["Location"] == back
    assert _saved(world.client_a) == ("UTC", PaperSize.LETTER)
    assert _paper_changes() == [
        (world.consultant.pk, world.client_a.pk, {"paper_size": ["a4", "letter"]})
    ]
    assert "laid out for US Letter" in browser.get(url).content.decode()


def test_the_settings_page_refuses_an_unknown_size_and_an_operator(world):
    url = reverse("engagements:client-time-zone", args=[world.client_a.pk])
    r = page_as(world.consultant).post(url, {"time_zone": "Asia/Tokyo", "paper_size": "a5"})
    assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    r = page_as(world.operator_a).post(url, {"time_zone": "UTC", "paper_size": "letter"})
    assert r.status_code == 403
    assert _saved(world.client_a) == ("UTC", PaperSize.A4)


def test_an_admin_edit_is_audited_like_any_other(client, world):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get(f"/admin/tenancy/client/{world.client_a.pk}/change/").status_code == 200
    # A client with no members yet: the form has no membership rows to send back.
    gamma = ClientFactory(name="Gamma", slug="gamma")
    form = {
        "name": "Gamma Corp",
        "slug": "gamma",
        "time_zone": "Europe/Lisbon",
        "paper_size": "letter",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }

    r = client.post(f"/admin/tenancy/client/{gamma.pk}/change/", form)

    assert r.status_code == 302, r.content.decode()[:2000]
    stored = Client.objects.get(pk=gamma.pk)
    assert (stored.name, stored.time_zone) == ("Gamma Corp", "Europe/Lisbon")
    assert stored.paper_size == PaperSize.LETTER
    assert _paper_changes() == [(root.pk, gamma.pk, {"paper_size": ["a4", "letter"]})]
    time_zone = AuditEntry.objects.get(event=AuditEvent.CLIENT_TIME_ZONE_CHANGED)
    assert (time_zone.client_id, time_zone.changes) == (
        gamma.pk,
        {"time_zone": ["UTC", "Europe/Lisbon"]},
    )
