"""API throttles: fixed-window counters in the shared cache (CACHES), so every web process counts
together. One `incr` per call, whatever the rate, so a busy agent's thousands of calls a minute
cost the same as a person's few. Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
(README.md, "Limits"), read on each call; over the rate, DRF answers 429 with Retry-After.
"""

import math
import time
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings

from maestro.lib.client_ip import client_ip

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Window:
    """`limit` events per `seconds`, counted per identity in aligned windows of that length."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if rate is None:
            self.limit, self.seconds = None, 1
        else:
            count, period = str(rate).split("/")
            self.limit, self.seconds = int(count), PERIODS[period.strip()[0]]
        now = time.time()
        self.index = int(now // self.seconds)
        self.wait = max(1, math.ceil((self.index + 1) * self.seconds - now))

    def _key(self, ident: str) -> str:
        return f"throttle:{self.scope}:{ident}:{self.index}"

    def count(self, ident: str) -> int:
        return int(cache.get(self._key(ident), 0))

    def hit(self, ident: str) -> int:
        """Count one event; the count including it."""
        key = self._key(ident)
        if cache.add(key, 1, self.seconds + 1):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.seconds + 1)
            return 1

    def exceeded(self, count: int) -> bool:
        return self.limit is not None and count > self.limit


class WindowThrottle(throttling.BaseThrottle):
    scope = ""

    def __init__(self) -> None:
        self.window = Window(self.scope)

    def get_ident(self, request) -> str:
        # DRF's own reading of X-Forwarded-For (NUM_PROXIES) is not used anywhere: one rule
        # for the client's address, shared with the login lockout.
        return client_ip(request)

    def get_ident_key(self, request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        if self.window.limit is None:
            return True
        ident = self.get_ident_key(request, view)
        if ident is None:
            return True
        return not self.window.exceeded(self.window.hit(ident))

    def wait(self) -> float:
        return self.window.wait


class UserThrottle(WindowThrottle):
    """Per person, for calls with a session or token. Agents (no pk) have their own scope."""

    scope = "user"

    def get_ident_key(self, request, view) -> str | None:
        user = request.user
        pk = getattr(user, "pk", None)
        return str(pk) if user.is_authenticated and pk is not None else None


class AnonThrottle(WindowThrottle):
    """Per client address, for calls without credentials."""

    scope = "anon"

    def get_ident_key(self, request, view) -> str | None:
        return None if request.user.is_authenticated else client_ip(request)


BAD_CREDENTIALS = "bad_credentials"


def bad_credentials_check(request, *, also: Sequence[str] = ()) -> dict[str, Any]:
    """Refuse (429) any key or token call from an address that sent too many wrong ones, before
    looking the key up: guessing stops, not only its answers. `also`: other cache keys to read
    in the same round trip; the values found are returned."""
    window = Window(BAD_CREDENTIALS)
    counted = window._key(client_ip(request)) if window.limit is not None else None
    found = cache.get_many([*([counted] if counted else []), *also]) if counted or also else {}
    count = int(found.pop(counted, 0)) if counted else 0
    if window.limit is not None and count >= window.limit:
        raise exceptions.Throttled(
            wait=window.wait,
            detail=_("Too many wrong API keys or tokens from your address."),
            code="too_many_bad_credentials",
        )
    return found


def bad_credentials_record(request) -> None:
    Window(BAD_CREDENTIALS).hit(client_ip(request))
