"""The security work's brakes at invitation acceptance, which sets a password and logs in:
the log-in lockout (django-axes) and the per-address limit on wrong credentials
(maestro.lib.throttling), for the page and the API alike (README.md, "Limits")."""

from collections.abc import Iterator
from contextlib import contextmanager

from axes.handlers.proxy import AxesProxyHandler

from maestro.lib.throttling import bad_credentials_check, bad_credentials_record
from maestro.people.services import InvitationRefused
from maestro.tenancy.lockout import LoginLockedOut


def acceptance_check(request, *, username: str = "") -> None:
    """Before the link is even read: an address that sent too many wrong API keys, tokens or
    invitation links answers 429 `too_many_bad_credentials`; an address (or the chosen
    username) locked out of logging in answers 429 `login_locked_out`, since accepting logs
    the new account in."""
    bad_credentials_check(request)
    http_request = getattr(request, "_request", request)
    if not AxesProxyHandler.is_allowed(http_request, {"username": username}):
        raise LoginLockedOut()


@contextmanager
def bad_links_counted(request) -> Iterator[None]:
    """A link whose signature does not check out counts as a wrong credential of the address
    (so guessing links trips the same limit as guessing keys); an expired, used or superseded
    link is a real one and does not."""
    try:
        yield
    except InvitationRefused as exc:
        if exc.code == "invitation_invalid":
            bad_credentials_record(request)
        raise
