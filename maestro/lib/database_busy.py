"""A database too busy to take a write answers 503 with Retry-After, not 500 (README.md,
"SQLite").

SQLite has one write lock for the whole database: a writer that waits longer than the busy
timeout (SQLITE_OPTIONS in settings) fails with "database is locked". That is a moment's
congestion, not a bug, so the client is told to try again. PostgreSQL's lock_not_available
(a lock_timeout ran out) is the same case.

The middleware goes near the top of MIDDLEWARE. Its process_exception covers the view; a write
in a later middleware (the session saved in SessionMiddleware's response) is converted to a
500 response before the error could reach this one, so a `got_request_exception` receiver marks
the request and the middleware swaps that 500 for the 503.
"""

import sqlite3
import sys

from django.core.signals import got_request_exception
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 5
_SQLITE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_POSTGRES_LOCK_NOT_AVAILABLE = "55P03"
_MARK = "maestro_database_busy"


def is_database_busy(exc: BaseException | None) -> bool:
    """Whether `exc` is Django's OperationalError for a lock the database could not grant in
    time (by the driver's error code, never by the message)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_BUSY  # extended codes keep the primary one in the low byte
    return getattr(cause, "sqlstate", None) == _POSTGRES_LOCK_NOT_AVAILABLE


def database_busy_response(request: HttpRequest) -> HttpResponse:
    message = _("The database is busy with other writes; nothing was changed. Try again shortly.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "database_busy"}, status=503
        )
    else:
        # A bare page: nothing that reads the database (no user, no menu).
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _mark_busy(sender, request=None, **kwargs) -> None:
    if request is not None and is_database_busy(sys.exc_info()[1]):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_busy, dispatch_uid="maestro.lib.database_busy")


class DatabaseBusyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            return database_busy_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_busy(exception):
            return database_busy_response(request)
        return None
