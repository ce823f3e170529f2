"""Brute-force protection of log-ins: after AXES_FAILURE_LIMIT failures for a username (from
anywhere) or from an address (for any usernames), the right password is refused too — on the
log-in page and on POST /api/auth/token/ — and a made-up X-Forwarded-For does not reset it."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.tenancy.factories import UserFactory

PASSWORD = "s3cret-pass"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def alice(db):
    user = UserFactory(username="alice")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def get_token(api_client, username, password, **extra):
    return api_client.post(
        "/api/auth/token/", {"username": username, "password": password}, **extra
    )


def test_twenty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(client, alice):
    for _ in range(20):
        assert log_in(client, "alice", "wrong").status_code in (200, 429)

    r = log_in(client, "alice", PASSWORD)

    assert r.status_code == 429
    assert r["Retry-After"] == str(15 * 60)
    page = r.content.decode()
    assert "Log-in paused" in page
    assert "15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_page_says_locked_from_the_failure_that_reaches_the_limit(client, alice):
    for _ in range(9):
        r = log_in(client, "alice", "wrong")
        assert r.status_code == 200
        assert "Please enter a correct username and password" in r.content.decode()
    assert log_in(client, "alice", "wrong").status_code == 429


def test_twenty_wrong_passwords_then_the_right_one_is_refused_on_the_token_api(api_client, alice):
    for _ in range(20):
        assert get_token(api_client, "alice", "wrong").status_code in (400, 429)

    r = get_token(api_client, "alice", PASSWORD)

    assert r.status_code == 429
    assert r.json()["code"] == "login_locked_out"
    assert "Too many failed log-ins" in r.json()["detail"]
    assert r["Retry-After"] == str(15 * 60)
    assert not Token.objects.filter(user=alice).exists()


def test_failures_on_the_page_lock_the_token_api_too(client, api_client, alice):
    for _ in range(10):
        log_in(client, "alice", "wrong")
    assert get_token(api_client, "alice", PASSWORD).status_code == 429


def test_a_username_is_locked_whatever_address_the_guesses_come_from(client, alice):
    for n in range(12):
        log_in(client, "alice", "wrong", REMOTE_ADDR=f"198.51.100.{n + 1}")

    r = log_in(client, "alice", PASSWORD, REMOTE_ADDR="198.51.100.200")

    assert r.status_code == 429
    # Others still log in from those addresses.
    bob = UserFactory(username="bob")
    bob.set_password(PASSWORD)
    bob.save()
    assert log_in(client, "bob", PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302


def test_an_address_is_locked_whatever_usernames_it_tries(client, alice):
    for n in range(12):
        log_in(client, f"guess{n}", "wrong", REMOTE_ADDR="203.0.113.7")

    assert log_in(client, "alice", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert log_in(client, "alice", PASSWORD, REMOTE_ADDR="203.0.113.8").status_code == 302


def test_a_spoofed_x_forwarded_for_does_not_reset_the_lockout(client, api_client, alice):
    for n in range(20):
        log_in(
            client,
            f"guess{n}",
            "wrong",
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}",
        )

    fresh = {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "192.0.2.99"}
    assert log_in(client, "alice", PASSWORD, **fresh).status_code == 429
    assert get_token(api_client, "alice", PASSWORD, **fresh).status_code == 429


def test_behind_the_proxy_the_address_it_appends_is_the_clients(settings, client, alice):
    settings.TRUSTED_PROXY_COUNT = 1  # DJANGO_BEHIND_TLS_PROXY on
    proxy = "10.0.0.2"
    for n in range(12):
        # The attacker also sends its own X-Forwarded-For; the proxy appends the real address.
        log_in(
            client,
            f"guess{n}",
            "wrong",
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, 203.0.113.7",
        )

    assert (
        log_in(
            client,
            "alice",
            PASSWORD,
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.7",
        ).status_code
        == 429
    )
    # Another client behind the same proxy is not locked out.
    assert (
        log_in(
            client, "alice", PASSWORD, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8"
        ).status_code
        == 302
    )


def test_without_the_proxy_setting_x_forwarded_for_is_ignored(client, alice):
    for n in range(12):
        log_in(
            client, f"guess{n}", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7"
        )

    # Another "client" claiming another address through the same connection is still locked.
    assert (
        log_in(
            client, "alice", PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.8"
        ).status_code
        == 429
    )


def test_the_proxy_setting_decides_whether_x_forwarded_for_is_trusted():
    def proxy_count(env: dict) -> str:
        code = "from maestro import settings; print(settings.TRUSTED_PROXY_COUNT)"
        clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**clean, "DJANGO_DEBUG": "1", **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip().splitlines()[-1]

    assert proxy_count({}) == "0"
    assert proxy_count({"DJANGO_BEHIND_TLS_PROXY": "1"}) == "1"
    assert proxy_count({"DJANGO_BEHIND_TLS_PROXY": "1", "DJANGO_TRUSTED_PROXY_COUNT": "2"}) == "2"


def test_a_few_failures_do_not_lock_anyone_out(client, alice):
    for _ in range(3):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD).status_code == 302
