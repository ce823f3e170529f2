"""Writes of the tenancy app: people's API tokens.

A token lives API_TOKEN_LIFETIME from its creation (README.md, "Limits"). Logging in again
(POST /api/auth/token/) returns the live token, or replaces an expired one; rotating replaces
the live one at once, so the old key stops working.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from maestro.tenancy.models import User


def token_expires_at(token: Token) -> datetime:
    return token.created + settings.API_TOKEN_LIFETIME


def token_is_expired(token: Token) -> bool:
    return token_expires_at(token) <= timezone.now()


@transaction.atomic
def token_obtain(*, user: User) -> Token:
    Token.objects.filter(
        user=user, created__lte=timezone.now() - settings.API_TOKEN_LIFETIME
    ).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def token_rotate(*, user: User) -> Token:
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)
