from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from maestro.lib.throttling import AnonThrottle
from maestro.tenancy import services
from maestro.tenancy.api.serializers import TokenObtainInputSerializer, TokenOutputSerializer


def _token(token) -> dict:
    return TokenOutputSerializer(
        {"key": token.key, "expires_at": services.token_expires_at(token)}
    ).data


class TokenObtainApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle]
    # Not DRF's own JSON parser: ours bounds the nesting depth.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(
        operation_id="auth_token_obtain",
        description=(
            "Exchange a username and password for an API token. Send it as "
            "`Authorization: Token <key>`. The same token comes back on every call until it "
            "expires (`expires_at`, the configured token lifetime after it was issued); after "
            "that this call issues a new one. Wrong credentials: 400. Too many failed log-ins "
            "for the username or from the address: 429 `login_locked_out` with Retry-After, "
            "even with the right password, until the cool-off period has passed."
        ),
        request=TokenObtainInputSerializer,
        responses={
            200: TokenOutputSerializer,
            400: OpenApiResponse(description="Wrong credentials, or a missing field."),
            429: OpenApiResponse(
                description="Locked out after too many failed log-ins (`login_locked_out`), "
                "or too many calls from this address (`throttled`); see Retry-After."
            ),
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenObtainInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token = services.token_obtain(user=serializer.validated_data["user"])
        return Response(_token(token))


class TokenRotateApi(APIView):
    @extend_schema(
        operation_id="auth_token_rotate",
        description=(
            "Replace your API token with a new one, at once: the old key answers 401 from now "
            "on. Authenticate with the (live) token or a session. An expired token cannot "
            "rotate itself; get a new one with POST /api/auth/token/."
        ),
        request=None,
        responses={
            200: TokenOutputSerializer,
            401: OpenApiResponse(
                description="No credentials, an unknown token or an expired one (`token_expired`)."
            ),
        },
    )
    def post(self, request):
        return Response(_token(services.token_rotate(user=request.user)))
