"""Authentication of live agents by their engagement's API key (the decision intake's hot path).

`Authorization: Bearer mk_…` or `X-Api-Key: mk_…`. One indexed lookup by the key's prefix, a
constant-time comparison of the SHA-256, and `last_used_at` written at most once a minute per key
so a busy agent does not turn every call into a row update.
"""

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from maestro.decisions import keys
from maestro.decisions.models import AgentApiKey
from maestro.engagements.models import Engagement
from maestro.lib.prepared import PreparedValues
from maestro.lib.throttling import WindowThrottle, bad_credentials_check, bad_credentials_record

LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Agent:
    """`request.user` of an agent call: no person, just the key and its engagement. It is not a
    User, so nothing that scopes by user (engagements_for) ever grants an agent anything."""

    key: AgentApiKey
    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False

    @property
    def engagement(self):
        return self.key.engagement

    def __str__(self) -> str:
        return f"agent key {self.key.prefix}"


def _key_query(prefix: str) -> QuerySet:
    return AgentApiKey.objects.filter(prefix=prefix).values(
        *_KEY_FIELDS, *(f"engagement__{name}" for name in _ENGAGEMENT_FIELDS)
    )


_KEY_FIELDS = [f.attname for f in AgentApiKey._meta.concrete_fields]
_ENGAGEMENT_FIELDS = [f.attname for f in Engagement._meta.concrete_fields]
# Every agent call looks its key up: compiled to SQL once (maestro/lib/prepared.py), which
# costs less than building the select_related queryset on each call did.
_key_lookup = PreparedValues(_key_query)


def _key_with_engagement(prefix: str) -> AgentApiKey | None:
    """The key of this prefix with its engagement loaded, as select_related would give it."""
    rows = _key_lookup.rows(prefix)
    if not rows:
        return None
    (row,) = rows
    key = AgentApiKey.from_db("default", _KEY_FIELDS, [row[name] for name in _KEY_FIELDS])
    engagement = Engagement.from_db(
        "default", _ENGAGEMENT_FIELDS, [row[f"engagement__{name}"] for name in _ENGAGEMENT_FIELDS]
    )
    AgentApiKey.engagement.field.set_cached_value(key, engagement)
    return key


class AgentApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        secret = self._secret(request)
        if secret is None:
            return None
        bad_credentials_check(request)
        prefix = keys.key_prefix(secret)
        key = _key_with_engagement(prefix) if prefix is not None else None
        # Compare even when the prefix is unknown, so timing does not tell which prefixes exist.
        stored = key.key_hash if key is not None else "0" * 64
        if not hmac.compare_digest(stored, keys.key_hash(secret)) or key is None:
            bad_credentials_record(request)
            raise exceptions.AuthenticationFailed(_("Invalid API key."), code="invalid_api_key")
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("This API key was revoked on %(when)s; ask a consultant for a new one.")
                % {"when": key.revoked_at.strftime("%Y-%m-%d %H:%M UTC")},
                code="api_key_revoked",
            )
        self._touch(key)
        return Agent(key=key), key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'

    def _secret(self, request) -> str | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header:
            scheme, _sep, value = header.partition(" ")
            if scheme.lower() != self.keyword.lower():
                return None
            value = value.strip()
            if not value:
                raise exceptions.AuthenticationFailed(
                    _("Give the API key after “Bearer ”."), code="invalid_api_key"
                )
            return value
        value = request.META.get("HTTP_X_API_KEY", "").strip()
        return value or None

    @staticmethod
    def _touch(key: AgentApiKey) -> None:
        now = timezone.now()
        if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
            return
        # Conditional: of many concurrent calls in the same minute only one writes.
        AgentApiKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
            pk=key.pk,
        ).update(last_used_at=now)
        key.last_used_at = now


AGENT_KEY_NOT_ALLOWED = gettext_lazy(
    "Agent API keys may only post decisions and their outcomes (POST /api/decisions/ and "
    "POST /api/decisions/outcomes/). For the rest of the API, authenticate as a person: "
    "Authorization: Token <key>, from POST /api/auth/token/."
)


def carries_agent_key(request) -> bool:
    """Whether the request presents an agent API key (`Bearer mk_…` or `X-Api-Key: mk_…`),
    valid or not: by its look only, no query."""
    scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    secret = value if scheme.lower() == "bearer" else request.META.get("HTTP_X_API_KEY", "")
    return secret.strip().startswith(keys.KEY_PREFIX)


class IsPerson(permissions.IsAuthenticated):
    """The API's default permission (REST_FRAMEWORK in settings): a person, by session or
    token. An agent API key anywhere but the intake is a 403 `agent_key_not_allowed` that says
    where keys work, not DRF's 401 "Authentication credentials were not provided"."""

    def has_permission(self, request, view) -> bool:
        if super().has_permission(request, view):
            return True
        if carries_agent_key(request):
            raise exceptions.PermissionDenied(AGENT_KEY_NOT_ALLOWED, code="agent_key_not_allowed")
        return False


class IsAgent(permissions.BasePermission):
    """Only agent API keys: a person's session or token cannot post live decisions."""

    message = gettext_lazy("Authenticate with an agent API key (Authorization: Bearer mk_…).")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Agent)


class AgentKeyThrottle(WindowThrottle):
    """Per agent API key (MAESTRO_THROTTLE_AGENT); a batch counts as one call."""

    scope = "agent"

    def get_ident_key(self, request, view) -> str | None:
        user = request.user
        return str(user.key.pk) if isinstance(user, Agent) else None


class AgentApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "maestro.decisions.auth.AgentApiKeyAuthentication"
    name = "agentApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An agent API key of one engagement (`mk_…`), created by its consultants. "
                "Also accepted as `X-Api-Key: mk_…`."
            ),
        }
