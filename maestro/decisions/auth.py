"""Authentication of live agents by their engagement's API key (the decision intake's hot path).

`Authorization: Bearer mk_…` or `X-Api-Key: mk_…`. The key is found by its prefix — in the
shared cache (CACHES), read in the round trip that checks the address's bad-credentials count,
else by one indexed lookup — then a constant-time comparison of the SHA-256, and `last_used_at`
written at most once a minute per key so a busy agent does not turn every call into a row
update.

The cache keeps live keys only, for KEY_CACHE_SECONDS, and lookups only ever add an entry, never
overwrite one. Revoking a key (agent_api_key_revoke) puts a revocation mark in its place before
the revocation is written and again once it commits, so no call after the revocation finds the
key in the cache, and a lookup that read the key just before cannot put it back: the revoked
key's next call is refused, as without the cache. A change made around the services (a key
deleted or edited in the database by hand) is seen within KEY_CACHE_SECONDS.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
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
KEY_CACHE_SECONDS = 60
_REVOKED = "revoked"


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


def key_cache_key(prefix: str) -> str:
    return f"agent-key:{prefix}"


def _key_from_cache(entry: dict) -> AgentApiKey:
    """The key as it was cached. Its engagement carries its id and client (which never
    change); its other fields are read from the database if anything asks for them."""
    key = AgentApiKey.from_db("default", _KEY_FIELDS, [entry[name] for name in _KEY_FIELDS])
    engagement = Engagement.from_db(
        "default", ["id", "client_id"], [key.engagement_id, entry["engagement__client_id"]]
    )
    AgentApiKey.engagement.field.set_cached_value(key, engagement)
    return key


def _key_cache(key: AgentApiKey) -> None:
    if key.revoked_at is not None:
        return
    entry = {name: getattr(key, name) for name in _KEY_FIELDS}
    entry["engagement__client_id"] = key.engagement.client_id
    # add, never set: a revocation mark put there meanwhile stays.
    cache.add(key_cache_key(key.prefix), entry, KEY_CACHE_SECONDS)


def key_cache_forget(key: AgentApiKey) -> None:
    """Called by the revocation, inside its transaction, before it writes: no call finds the
    key in the cache from now on, and no lookup running meanwhile can put it back."""

    def mark() -> None:
        cache.set(key_cache_key(key.prefix), _REVOKED, KEY_CACHE_SECONDS)

    mark()
    transaction.on_commit(mark)


class AgentApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        secret = self._secret(request)
        if secret is None:
            return None
        prefix = keys.key_prefix(secret)
        cache_key = key_cache_key(prefix) if prefix is not None else None
        cached = bad_credentials_check(request, also=[cache_key] if cache_key else []).get(
            cache_key or ""
        )
        if isinstance(cached, dict):
            key: AgentApiKey | None = _key_from_cache(cached)
        elif prefix is not None:
            key = _key_with_engagement(prefix)
            if key is not None:
                _key_cache(key)
        else:
            key = None
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
        # A cached key carries last_used_at as it was cached: this process remembers its own
        # writes too (by prefix, which no other key ever has).
        last = max(filter(None, (key.last_used_at, _last_used.get(key.prefix))), default=None)
        if last is not None and now - last < LAST_USED_RESOLUTION:
            return
        # Conditional: of many concurrent calls in the same minute only one writes.
        AgentApiKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
            pk=key.pk,
        ).update(last_used_at=now)
        key.last_used_at = now
        if len(_last_used) >= 10_000:
            _last_used.clear()
        _last_used[key.prefix] = now


# Prefix → when this process last wrote (or tried to write) the key's last_used_at.
_last_used: dict[str, datetime] = {}


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
