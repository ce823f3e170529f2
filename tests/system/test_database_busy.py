"""A database too busy to take a write answers 503 with Retry-After (pages and API), never 500."""

import sqlite3

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection
from django.test import Client

from maestro.lib.database_busy import is_database_busy
from tests.plugins.backends import REAL
from tests.tenancy.factories import UserFactory


def _raised(exc: Exception, cause: Exception) -> Exception:
    """`exc` as Django's database wrapper raises it: with the driver's error as its cause."""
    try:
        raise exc from cause
    except Exception as raised:
        return raised


@pytest.fixture
def busy_error(tmp_path) -> OperationalError:
    """A genuine SQLite 'database is locked', as Django raises it."""
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE t (x)")
    holder.commit()
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as info:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.rollback()
        holder.close()
        waiter.close()
    return _raised(OperationalError(*info.value.args), info.value)


def test_only_a_lock_that_could_not_be_had_counts_as_busy(busy_error):
    assert is_database_busy(busy_error)
    try:
        sqlite3.connect(":memory:").execute("SELECT * FROM missing")
    except sqlite3.OperationalError as exc:
        other = _raised(OperationalError(*exc.args), exc)
    assert not is_database_busy(other)  # no such table: a real error, stays a 500
    assert not is_database_busy(ValueError("database is locked"))

    class PgLockNotAvailable(Exception):
        sqlstate = "55P03"

    assert is_database_busy(_raised(OperationalError("lock timeout"), PgLockNotAvailable()))


@pytest.mark.django_db
def test_a_page_whose_write_finds_the_database_busy_answers_503(busy_error, monkeypatch):
    UserFactory(username="u")

    def busy(*args, **kwargs):
        raise busy_error

    monkeypatch.setattr("django.contrib.auth.views.auth_login", busy)
    response = Client().post("/login/", {"username": "u", "password": "pw"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Try again shortly" in response.content.decode()
    assert response["Content-Security-Policy"]


@pytest.mark.django_db
def test_an_api_write_that_finds_the_database_busy_answers_503_json(busy_error, monkeypatch):
    UserFactory(username="u")

    def busy(*args, **kwargs):
        raise busy_error

    monkeypatch.setattr("rest_framework.authtoken.models.Token.objects.get_or_create", busy)
    response = Client().post(
        "/api/auth/token/", {"username": "u", "password": "pw"}, content_type="application/json"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "database_busy"
    assert "detail" in response.json()


@pytest.mark.django_db
def test_a_busy_session_save_after_the_view_answers_503(busy_error, monkeypatch):
    """The session is saved by its middleware, after the view: caught there too."""
    UserFactory(username="u")

    def busy(self, *args, **kwargs):
        raise busy_error

    monkeypatch.setattr(SessionStore, "save", busy)
    monkeypatch.setattr(SessionStore, "create", busy)
    response = Client(raise_request_exception=False).post(
        "/login/", {"username": "u", "password": "pw"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


@pytest.mark.skipif(REAL, reason="SQLite keeps one write lock for the whole database")
@pytest.mark.parametrize(
    ("path", "body", "kind"),
    [
        ("/login/", {"username": "shut-out", "password": "pw"}, "page"),
        ("/api/auth/token/", {"username": "shut-out", "password": "pw"}, "api"),
    ],
)
def test_a_write_while_another_connection_holds_the_lock_answers_503(
    transactional_db, monkeypatch, path, body, kind
):
    """A real 'database is locked': another connection holds SQLite's write lock past the
    busy timeout (shortened to 1 s here)."""
    UserFactory(username="shut-out")
    options = {**connection.settings_dict["OPTIONS"], "timeout": 1}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    connection.close()
    holder = sqlite3.connect(connection.settings_dict["NAME"], timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        client = Client(raise_request_exception=False)
        if kind == "api":
            response = client.post(path, body, content_type="application/json")
        else:
            response = client.post(path, body)
    finally:
        holder.rollback()
        holder.close()
        connection.close()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    if kind == "api":
        assert response.json()["code"] == "database_busy"
