"""Accounts: the log-in lockout and the wrong-credentials throttle cover invitation acceptance
(page and API), and the password rules apply wherever a password is set (acceptance: see
test_invitations; the admin; the bootstrap command: see test_bootstrap)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from maestro.tenancy.models import User
from tests.people.conftest import GOOD_PASSWORD
from tests.tenancy.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "bad_credentials": "3/min",
        },
    }
    cache.clear()
    yield
    cache.clear()


def fail_logins(client, times):
    for _ in range(times):
        client.post(reverse("login"), {"username": "someone", "password": "wrong"})


def new_account(token, username="olga"):
    return {"token": token, "username": username, "password": GOOD_PASSWORD}


def test_a_locked_out_address_cannot_accept_through_the_api(world, invite, limits, client):
    _invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    fail_logins(client, 3)

    r = APIClient().post("/api/invitations/accept/", new_account(token), format="json")

    assert r.status_code == 429
    assert r.json()["code"] == "login_locked_out"
    assert r["Retry-After"] == str(15 * 60)
    assert not User.objects.filter(username="olga").exists()


def test_a_locked_out_address_cannot_accept_through_the_page(world, invite, limits, client):
    _invitation, path, _token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    fail_logins(client, 3)

    r = client.post(
        path, {"username": "olga", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )

    assert r.status_code == 429
    assert "Too many failed log-ins" in r.content.decode()
    assert not User.objects.filter(username="olga").exists()
    assert "_auth_user_id" not in client.session


def test_guessing_links_trips_the_wrong_credentials_limit(world, invite, limits):
    _invitation, path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    api = APIClient()
    for n in range(3):
        r = api.post("/api/invitations/accept/", new_account(f"guess{n}:x:y"), format="json")
        assert r.status_code == 400 and r.json()["code"] == "invitation_invalid"

    # From now on even the real link is refused from this address, on the API and the page.
    r = api.post("/api/invitations/accept/", new_account(token), format="json")
    assert r.status_code == 429 and r.json()["code"] == "too_many_bad_credentials"
    page = api.get(path)
    assert page.status_code == 429 and "Retry-After" in page
    assert not User.objects.filter(username="olga").exists()
    # Another address is not affected.
    r = api.post(
        "/api/invitations/accept/", new_account(token), format="json", REMOTE_ADDR="198.51.100.7"
    )
    assert r.status_code == 201


def test_an_expired_link_is_not_counted_as_a_guess(world, invite, limits, settings):
    _invitation, _path, token = invite(
        world.client_a, "olga@example.com", "operator", world.consultant
    )
    settings.INVITATION_LIFETIME = timedelta(seconds=-1)
    api = APIClient()
    for _ in range(5):
        r = api.post("/api/invitations/accept/", new_account(token), format="json")
        assert r.status_code == 400 and r.json()["code"] == "invitation_expired"


# --- The admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_page(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_refuses_a_weak_password_for_a_new_user(admin_page):
    r = admin_page.post(
        "/admin/tenancy/user/add/",
        {
            "username": "weak",
            "usable_password": "true",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert r.status_code == 200
    assert "This password is too common" in r.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_the_admin_refuses_a_weak_password_change(admin_page, world):
    user = world.operator_a
    r = admin_page.post(
        f"/admin/tenancy/user/{user.pk}/password/",
        {"usable_password": "true", "password1": "password", "password2": "password"},
    )
    assert r.status_code == 200
    assert "This password is too common" in r.content.decode()
    user.refresh_from_db()
    assert user.check_password("pw")
