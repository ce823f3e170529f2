"""API tokens expire after API_TOKEN_LIFETIME and can be rotated."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.tenancy.factories import UserFactory

PASSWORD = "s3cret-pass"


@pytest.fixture(autouse=True)
def lifetime(settings):
    settings.API_TOKEN_LIFETIME = timedelta(days=30)


@pytest.fixture
def alice(world):
    world.consultant.set_password(PASSWORD)
    world.consultant.save()
    return world.consultant


def obtain(user) -> dict:
    r = APIClient().post("/api/auth/token/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 200, r.content
    return r.json()


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def age(key: str, days: int) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=days))


def test_a_token_says_when_it_expires_and_comes_back_until_then(alice):
    first = obtain(alice)
    expires_at = parse_datetime(first["expires_at"])
    token = Token.objects.get(user=alice)
    assert expires_at == token.created + timedelta(days=30)
    assert obtain(alice)["token"] == first["token"]
    age(first["token"], 29)
    assert with_token(first["token"]).get("/api/engagements/").status_code == 200


def test_an_expired_token_is_401_with_a_clear_code(alice):
    key = obtain(alice)["token"]
    age(key, 31)

    r = with_token(key).get("/api/engagements/")

    assert r.status_code == 401
    assert r.json()["code"] == "token_expired"
    assert "expired" in r.json()["detail"]
    assert "POST /api/auth/token/" in r.json()["detail"]
    assert r["WWW-Authenticate"] == "Token"


def test_the_lifetime_is_a_setting(alice, settings):
    key = obtain(alice)["token"]
    age(key, 2)
    assert with_token(key).get("/api/engagements/").status_code == 200
    settings.API_TOKEN_LIFETIME = timedelta(days=1)
    assert with_token(key).get("/api/engagements/").status_code == 401


def test_logging_in_again_replaces_an_expired_token(alice):
    old = obtain(alice)["token"]
    age(old, 31)

    new = obtain(alice)

    assert new["token"] != old
    assert parse_datetime(new["expires_at"]) > timezone.now() + timedelta(days=29)
    assert list(Token.objects.filter(user=alice).values_list("key", flat=True)) == [new["token"]]
    assert with_token(new["token"]).get("/api/engagements/").status_code == 200
    assert with_token(old).get("/api/engagements/").status_code == 401


def test_rotation_issues_a_new_token_and_invalidates_the_old_one(alice):
    old = obtain(alice)["token"]

    r = with_token(old).post("/api/auth/token/rotate/")

    assert r.status_code == 200
    new = r.json()["token"]
    assert new != old
    assert parse_datetime(r.json()["expires_at"]) > timezone.now() + timedelta(days=29)
    assert list(Token.objects.filter(user=alice).values_list("key", flat=True)) == [new]
    assert with_token(old).get("/api/engagements/").status_code == 401
    assert with_token(old).get("/api/engagements/").json()["code"] == "invalid_token"
    assert with_token(new).get("/api/engagements/").status_code == 200


def test_rotation_with_a_session_works_and_without_credentials_is_401(alice):
    old = obtain(alice)["token"]
    session = APIClient()
    session.force_login(alice)
    assert session.post("/api/auth/token/rotate/").status_code == 200
    assert not Token.objects.filter(key=old).exists()
    assert APIClient().post("/api/auth/token/rotate/").status_code == 401


def test_an_expired_token_cannot_rotate_itself(alice):
    key = obtain(alice)["token"]
    age(key, 31)
    r = with_token(key).post("/api/auth/token/rotate/")
    assert r.status_code == 401
    assert r.json()["code"] == "token_expired"
    assert Token.objects.get(user=alice).key == key


def test_rotating_affects_only_your_own_token(alice, world):
    mine = obtain(alice)["token"]
    other = UserFactory(username="other")
    other.set_password(PASSWORD)
    other.save()
    theirs = obtain(other)["token"]
    assert with_token(mine).post("/api/auth/token/rotate/").status_code == 200
    assert with_token(theirs).get("/api/engagements/").status_code == 200


def test_the_token_endpoints_are_in_the_schema(api_client):
    paths = api_client.get("/api/schema/?format=json").json()["paths"]
    obtain_op = paths["/api/auth/token/"]["post"]
    assert {"200", "400", "429"} <= set(obtain_op["responses"])
    rotate = paths["/api/auth/token/rotate/"]["post"]
    assert {"200", "401"} <= set(rotate["responses"])
