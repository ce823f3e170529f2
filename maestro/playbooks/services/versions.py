"""Escalation playbook versions: saving a new immutable version (consultants only), with its
rules, threshold, SLA and escalation chain validated; the routing itself is the pure
maestro.playbooks.routing.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import StateConflict
from maestro.lib.numbers import parse_decimal
from maestro.mapping.models import Process
from maestro.playbooks.models import EscalationPlaybook, PlaybookVersion
from maestro.playbooks.routing import validate_rules
from maestro.playbooks.selectors import playbook_chain_candidates
from maestro.tenancy.models import User

MAX_CHAIN = 10
MAX_SLA_MINUTES = 60 * 24 * 30


def _threshold(value: Any) -> Decimal:
    try:
        number = parse_decimal(value)
    except ValueError:
        number = Decimal("NaN")
    if not number.is_finite() or not (0 <= number <= 1):
        raise ValidationError(
            {"default_threshold": [_("The default threshold must be a number from 0 to 1.")]}
        )
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(
            {"default_threshold": [_("The default threshold has at most 2 decimals (0.85).")]}
        )
    return number


def _chain(process: Process, chain: Sequence[Any]) -> list[int]:
    """User ids, in order, each an operator or consultant of this engagement's client (or the
    engagement's lead / consultant members); sponsors and strangers are refused."""
    if not isinstance(chain, Sequence) or isinstance(chain, str):
        raise ValidationError({"escalation_chain": [_("Give a list of user ids.")]})
    ids: list[int] = []
    for raw in chain:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise ValidationError(
                {"escalation_chain": [_("'%(value)s' is not a user id.") % {"value": raw}]}
            ) from None
        if pk in ids:
            raise ValidationError(
                {"escalation_chain": [_("User %(id)d appears twice in the chain.") % {"id": pk}]}
            )
        ids.append(pk)
    if len(ids) > MAX_CHAIN:
        raise ValidationError(
            {"escalation_chain": [_("The chain has at most %d people.") % MAX_CHAIN]}
        )
    allowed = {user.pk for user in playbook_chain_candidates(engagement=process.engagement)}
    strangers = [pk for pk in ids if pk not in allowed]
    if strangers:
        raise ValidationError(
            {
                "escalation_chain": [
                    _(
                        "User(s) %(ids)s are not operators or consultants of this engagement; "
                        "only they can take escalated tasks."
                    )
                    % {"ids": ", ".join(str(pk) for pk in strangers)}
                ]
            }
        )
    return ids


@transaction.atomic
def playbook_version_create(
    *,
    process: Process,
    by: User,
    default_threshold: Any,
    rules: Any,
    sla_minutes: int,
    escalation_chain: Sequence[Any],
    message: str = "",
    base_version: int | None = None,
) -> PlaybookVersion:
    """Save a new immutable version (creating the playbook on the first save). Consultants
    only. `base_version`, when given, is the version the editor started from: if someone
    saved meanwhile the save is refused (version_conflict) instead of silently replacing it.
    """
    require_engagement_manager(
        by,
        process.engagement,
        message=_("Only the engagement's consultants can edit escalation playbooks."),
    )
    errors: dict[str, list[str]] = {}
    threshold = normalised_rules = chain = None
    try:
        threshold = _threshold(default_threshold)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        normalised_rules = validate_rules(rules)
    except ValidationError as exc:
        errors["rules"] = exc.messages
    try:
        chain = _chain(process, escalation_chain)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not isinstance(sla_minutes, int) or not (1 <= sla_minutes <= MAX_SLA_MINUTES):
        errors["sla_minutes"] = [
            _("The review SLA must be between 1 minute and %d minutes (30 days).") % MAX_SLA_MINUTES
        ]
    if len(message or "") > 300:
        errors["message"] = [_("Keep the message under 300 characters.")]
    if errors:
        raise ValidationError(errors)
    assert threshold is not None and normalised_rules is not None and chain is not None

    playbook, _created = EscalationPlaybook.objects.get_or_create(process=process)
    # The lock serialises concurrent saves of one playbook, so numbers stay 1, 2, 3 ...
    EscalationPlaybook.objects.select_for_update().filter(pk=playbook.pk).first()
    previous = PlaybookVersion.objects.filter(playbook=playbook).order_by("-number").first()
    current = previous.number if previous is not None else 0
    if base_version is not None and base_version != current:
        raise StateConflict(
            _(
                "Version %(current)d was saved while you were editing version %(base)d; "
                "reload the playbook and apply your change again."
            )
            % {"current": current, "base": base_version},
            code="version_conflict",
        )
    version = PlaybookVersion(
        playbook=playbook,
        number=current + 1,
        default_threshold=threshold,
        rules=normalised_rules,
        sla_minutes=sla_minutes,
        escalation_chain=chain,
        message=(message or "").strip(),
        created_by=by,
    )
    # rules are validated above; an empty list is a valid playbook (everything auto), which
    # the JSONField's blank check would refuse.
    version.full_clean(exclude=["rules"], validate_unique=False, validate_constraints=False)
    version.save()
    _record_version(version=version, previous=previous, engagement=process.engagement, by=by)
    return version


def _record_version(
    *,
    version: PlaybookVersion,
    previous: PlaybookVersion | None,
    engagement: Engagement,
    by: User,
) -> None:
    """The new version against the one it replaces. The newest version routes at once (there
    is no separate publishing step), so this entry is also when the rules went live. Rules are
    counted, not copied: a playbook may hold 50 rules of 100 categories each."""
    chains = [*version.escalation_chain, *(previous.escalation_chain if previous else [])]
    names = (
        {user.pk: str(user) for user in User.objects.filter(pk__in=set(chains))} if chains else {}
    )

    def chain(ids: list[int] | None) -> list[str] | None:
        return None if ids is None else [names.get(pk, f"user {pk}") for pk in ids]

    audit_record(
        AuditEvent.PLAYBOOK_VERSION_CREATED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=version,
        changes={
            "default_threshold": (
                previous.default_threshold if previous else None,
                version.default_threshold,
            ),
            "sla_minutes": (previous.sla_minutes if previous else None, version.sla_minutes),
            "escalation_chain": (
                chain(previous.escalation_chain if previous else None),
                chain(version.escalation_chain),
            ),
            "rule_count": (len(previous.rules) if previous else None, len(version.rules)),
        },
        data={
            "version": version.number,
            "message": version.message,
            "rules_changed": previous is None or previous.rules != version.rules,
        },
    )
