"""`manage.py maestro_bootstrap`: the first staff account, under the password rules, once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from maestro.engagements.scoping import can_invite_consultants, is_consultant
from maestro.tenancy.models import User
from tests.people.conftest import GOOD_PASSWORD
from tests.tenancy.factories import UserFactory

pytestmark = pytest.mark.django_db


def bootstrap(*args):
    out = StringIO()
    call_command("maestro_bootstrap", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_creates_the_first_staff_account_with_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("MAESTRO_BOOTSTRAP_PASSWORD", GOOD_PASSWORD)

    out = bootstrap("--no-input", "--username", "ada", "--email", "Ada@Example.com")

    user = User.objects.get(username="ada")
    assert (user.is_staff, user.is_superuser, user.email) == (True, True, "ada@example.com")
    assert user.check_password(GOOD_PASSWORD)
    assert is_consultant(user) and can_invite_consultants(user)
    assert "Created staff account ada" in out


def test_a_weak_password_creates_nothing(monkeypatch):
    monkeypatch.setenv("MAESTRO_BOOTSTRAP_PASSWORD", "password")

    with pytest.raises(CommandError) as refused:
        bootstrap("--no-input", "--username", "ada", "--email", "ada@example.com")

    assert "This password is too common" in str(refused.value)
    assert not User.objects.exists()


def test_no_input_needs_every_value(monkeypatch):
    monkeypatch.delenv("MAESTRO_BOOTSTRAP_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="MAESTRO_BOOTSTRAP_PASSWORD"):
        bootstrap("--no-input", "--username", "ada", "--email", "ada@example.com")
    with pytest.raises(CommandError, match="E-mail address is required"):
        bootstrap("--no-input", "--username", "ada")
    assert not User.objects.exists()


def test_asks_again_for_a_refused_password_when_interactive(monkeypatch):
    monkeypatch.delenv("MAESTRO_BOOTSTRAP_PASSWORD", raising=False)
    answers = iter(["123", "123", GOOD_PASSWORD, GOOD_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    monkeypatch.setattr("builtins.input", lambda prompt: "ada@example.com")

    bootstrap("--username", "ada")

    assert User.objects.get(username="ada").check_password(GOOD_PASSWORD)


def test_refused_once_a_staff_account_exists(monkeypatch):
    UserFactory(username="root", is_staff=True)
    monkeypatch.setenv("MAESTRO_BOOTSTRAP_PASSWORD", GOOD_PASSWORD)

    with pytest.raises(CommandError, match="already has a staff account"):
        bootstrap("--no-input", "--username", "ada", "--email", "ada@example.com")
    assert not User.objects.filter(username="ada").exists()


def test_the_newcomer_then_adds_a_client_and_invites_through_the_api(monkeypatch, client):
    monkeypatch.setenv("MAESTRO_BOOTSTRAP_PASSWORD", GOOD_PASSWORD)
    bootstrap("--no-input", "--username", "ada", "--email", "ada@example.com")

    api = APIClient()
    token = api.post("/api/auth/token/", {"username": "ada", "password": GOOD_PASSWORD}).json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    client_row = api.post("/api/clients/", {"name": "Northwind", "slug": "northwind"}).json()
    r = api.post(
        f"/api/clients/{client_row['id']}/invitations/",
        {"email": "maria@example.com", "role": "consultant"},
    )
    assert r.status_code == 201, r.content
