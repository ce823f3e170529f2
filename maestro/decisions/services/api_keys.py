"""Agent API keys: created and revoked by the engagement's consultants."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.decisions import keys
from maestro.decisions.auth import key_cache_forget
from maestro.decisions.models import AgentApiKey
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.tenancy.models import User

# What a write by anyone but the engagement's consultants is refused with.
API_KEYS_MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants can manage its API keys.")


def agent_api_key_create(
    *, engagement: Engagement, name: str, by: User, is_test: bool = False
) -> tuple[AgentApiKey, str]:
    """Create a key and return it with its secret, which is shown this once and never stored
    (only its SHA-256 is). The secret reads `mk_<12 hex>_<43 url-safe chars>` (a test key's
    `mk_test_<12 hex>_…`); the part before the last `_` is the stored prefix the
    authentication looks the key up by."""
    require_engagement_manager(by, engagement, message=API_KEYS_MANAGERS_ONLY)
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Give the key a name (e.g. the agent it is for).")]})
    if len(name) > 200:
        raise ValidationError({"name": [_("The name is at most 200 characters.")]})
    start = keys.TEST_KEY_PREFIX if is_test else keys.KEY_PREFIX
    prefix = f"{start}{secrets.token_hex(keys.HEX_LENGTH // 2)}"
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = AgentApiKey(
        engagement=engagement,
        name=name,
        prefix=prefix,
        key_hash=keys.key_hash(secret),
        created_by=by,
        is_test=is_test,
    )
    key.full_clean()
    with transaction.atomic():
        key.save()
        audit_record(
            AuditEvent.API_KEY_CREATED,
            actor=by,
            client=engagement.client_id,
            engagement=engagement,
            target=key,
            changes={"name": (None, name), "prefix": (None, prefix), "is_test": (None, is_test)},
        )
    return key, secret


def agent_api_key_revoke(*, key: AgentApiKey, by: User) -> AgentApiKey:
    """Revoke a key; the agent's next call answers 401. Revoking twice keeps the first time
    (and records the first only)."""
    require_engagement_manager(by, key.engagement, message=API_KEYS_MANAGERS_ONLY)
    now = timezone.now()
    with transaction.atomic():
        key_cache_forget(key)  # before the write: see maestro/decisions/auth.py
        won = AgentApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)
        if won:
            audit_record(
                AuditEvent.API_KEY_REVOKED,
                actor=by,
                client=key.engagement.client_id,
                engagement=key.engagement_id,
                target=key,
                changes={"revoked_at": (None, now)},
                data={"is_test": key.is_test},
            )
    key.refresh_from_db(fields=["revoked_at"])
    return key
