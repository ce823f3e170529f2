from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken


class TokenObtainApi(ObtainAuthToken):
    @extend_schema(
        description=(
            "Exchange a username and password for an API token (the same token on every call). "
            "Send it as `Authorization: Token <key>`. Wrong credentials: 400."
        )
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
