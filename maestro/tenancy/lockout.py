"""The answer to a locked-out log-in (django-axes, AXES_LOCKOUT_CALLABLE).

The log-in page answers 429 with the "Log-in paused" page and Retry-After; the token endpoint
raises LoginLockedOut itself (a JSON 429), so its answer is passed through unchanged.
"""

import math

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions


def cooloff_seconds() -> int:
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())


class LoginLockedOut(exceptions.Throttled):
    default_detail = _(
        "Too many failed log-ins for this username or from your address; log-ins are refused "
        "until the cool-off period has passed, even with the right password."
    )
    default_code = "login_locked_out"

    def __init__(self) -> None:
        super().__init__(wait=cooloff_seconds())


def lockout_response(request, original_response=None, credentials=None):
    if original_response is not None and original_response.status_code == 429:
        return original_response
    seconds = cooloff_seconds()
    response = render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": math.ceil(seconds / 60),
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
