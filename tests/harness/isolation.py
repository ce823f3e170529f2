"""Tenant isolation: another client's users get a 404 (never a 403 that confirms the row
exists), and nothing changes.

Every app's API and page tests use `assert_hidden` with the `world` fixture (tests/conftest.py):
client B's users (`OUTSIDERS`) against client A's rows.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from rest_framework.test import APIClient

# The users of the `world` fixture who belong to client B only: parametrize on these.
OUTSIDERS = ("operator_b", "consultant_b")

# (method, url) or (method, url, data): the requests an outsider tries.
Request = tuple[str, str] | tuple[str, str, Any]


def outsiders(world) -> list[AbstractBaseUser]:
    """Client B's operator and consultant."""
    return [getattr(world, who) for who in OUTSIDERS]


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_hidden(
    client: Client | APIClient,
    requests: Iterable[Request],
    *,
    unchanged: Callable[[], object] | None = None,
    api_code: bool = False,
    absent: Sequence[str] = (),
    **extra: Any,
) -> None:
    """Each request answers 404; with `unchanged`, what it returns is the same after all of
    them (a snapshot of the rows the requests would change); with `api_code`, the API error
    body is `{"code": "not_found", ...}`; no answer holds any of the `absent` texts (client A's
    names). `extra` goes to every call (e.g. format="json")."""
    before = unchanged() if unchanged is not None else None
    for request in requests:
        method, url, *data = request
        response = getattr(client, method)(url, *data, **extra)
        assert response.status_code == 404, (
            f"{method.upper()} {url} answered {response.status_code}, not 404"
        )
        if api_code:
            assert response.json()["code"] == "not_found", (method, url, response.content)
        for text in absent:
            assert text not in response.content.decode(), (method, url, text)
    if unchanged is not None:
        assert unchanged() == before, "a request refused with 404 changed saved state"


def assert_hidden_from_outsiders(
    world,
    requests: Sequence[Request],
    *,
    as_page: bool = False,
    unchanged: Callable[[], object] | None = None,
    **extra: Any,
) -> None:
    """`assert_hidden` for each of client B's users in turn, through the API (default) or the
    pages."""
    make = page_as if as_page else api_as
    for user in outsiders(world):
        assert_hidden(make(user), requests, unchanged=unchanged, **extra)
