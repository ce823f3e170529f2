"""API token authentication with expiry, and a per-address limit on wrong tokens.

`Authorization: Token <key>`, as DRF's TokenAuthentication, but a token older than
API_TOKEN_LIFETIME answers 401 `token_expired`, and an address that sent too many unknown
tokens gets 429 (the `bad_credentials` throttle) before its next token is even looked up.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from maestro.lib.throttling import bad_credentials_check, bad_credentials_record
from maestro.tenancy.services import token_expires_at, token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        self.request = request
        scheme = request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0]
        if scheme.lower() == self.keyword.lower():
            bad_credentials_check(request)
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user").get(key=key)
        except model.DoesNotExist:
            bad_credentials_record(self.request)
            raise exceptions.AuthenticationFailed(
                _("Invalid token."), code="invalid_token"
            ) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("User inactive or deleted."), code="user_inactive"
            )
        if token_is_expired(token):
            raise exceptions.AuthenticationFailed(
                _(
                    "This API token expired on %(when)s; get a new one from "
                    "POST /api/auth/token/ with your username and password."
                )
                % {"when": token_expires_at(token).strftime("%Y-%m-%d %H:%M UTC")},
                code="token_expired",
            )
        return token.user, token
