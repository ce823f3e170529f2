"""The client's address, for the login lockout and the API throttles.

Without a proxy (DJANGO_BEHIND_TLS_PROXY off) it is REMOTE_ADDR, whatever X-Forwarded-For says:
any client can send that header, and honouring it would let an attacker reset both limits with
every request. Behind a proxy it is the X-Forwarded-For entry the outermost trusted proxy
appended (the TRUSTED_PROXY_COUNT-th from the right); entries further left came from the client.
"""

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        entries = [entry for entry in forwarded.split(",") if entry.strip()]
        if entries:
            chosen = _valid(entries[-min(count, len(entries))])
            if chosen is not None:
                return chosen
    return _valid(remote) or "0.0.0.0"
