"""API throttles: per person, per address for anonymous calls, per address for wrong tokens."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.conftest import client_for

RATES = {"user": "5/min", "anon": "3/min", "agent": "5/min", "bad_credentials": "20/min"}


@pytest.fixture
def rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}
    cache.clear()
    yield
    cache.clear()


def assert_throttled(r, code="throttled"):
    assert r.status_code == 429
    assert r.json()["code"] == code
    assert int(r["Retry-After"]) >= 1


def test_a_person_over_the_rate_gets_429_with_retry_after(rates, world):
    api = client_for(world.consultant)
    for _ in range(5):
        assert api.get("/api/engagements/").status_code == 200

    assert_throttled(api.get("/api/engagements/"))
    # Per person: someone else is not affected, nor is a call from another address.
    assert client_for(world.operator_a).get("/api/engagements/").status_code == 200


def test_a_sessions_calls_count_for_the_person(rates, world):
    api = APIClient()
    api.force_login(world.consultant)
    for n in range(5):
        api.get("/api/engagements/", REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert_throttled(api.get("/api/engagements/", REMOTE_ADDR="198.51.100.99"))


def test_anonymous_calls_are_limited_per_address(rates, db):
    body = {"username": "nobody", "password": "wrong"}
    api = APIClient()
    for _ in range(3):
        assert api.post("/api/auth/token/", body).status_code == 400

    assert_throttled(api.post("/api/auth/token/", body))
    assert_throttled(
        api.post("/api/auth/token/", body, HTTP_X_FORWARDED_FOR="192.0.2.1")
    )  # a made-up X-Forwarded-For is not another address
    assert api.post("/api/auth/token/", body, REMOTE_ADDR="203.0.113.9").status_code == 400


def test_fifty_wrong_tokens_from_one_address_end_in_429(rates, world):
    api = APIClient()
    codes = []
    for n in range(50):
        api.credentials(HTTP_AUTHORIZATION=f"Token {n:040x}")
        codes.append(api.get("/api/engagements/").status_code)

    assert codes[:20] == [401] * 20
    assert set(codes[20:]) == {429}
    r = api.get("/api/engagements/")
    assert_throttled(r, code="too_many_bad_credentials")
    # Another address is not affected.
    assert api.get("/api/engagements/", REMOTE_ADDR="203.0.113.9").status_code == 401


def test_the_default_rates_leave_room_for_a_busy_agent():
    from maestro import settings as defaults  # settings_test raises them for the suite

    rates = defaults.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {
        "user": "1200/min",
        "anon": "60/min",
        "agent": "6000/min",
        "bad_credentials": "20/min",
    }
