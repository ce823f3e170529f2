"""The people's side of drift alerts: consultants create, change, disable and delete rules,
silence a rule or a whole process until a time and lift silences; operators and consultants
acknowledge episodes. Every change is audited in its transaction. (Evaluation: `alerts`.)"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager, require_engagement_worker
from maestro.exceptions import StateConflict
from maestro.mapping.models import Process
from maestro.monitoring.models import AlertEpisode, AlertRule, Silence
from maestro.monitoring.services.alerts import alert_episode_record, alert_resolved_notify
from maestro.tenancy.models import User

RULES_MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants manage its alert rules.")
SILENCES_MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants silence its alerts.")
ACKNOWLEDGE_WORKERS_ONLY = gettext_lazy("Only operators and consultants acknowledge alerts.")

# The longest silence: a planned change needs weeks, not a rule switched off for good
# (disable the rule for that).
SILENCE_MAX_DAYS = 90

_RULE_FIELDS = ("process", "category", "kind", "threshold", "threshold_high", "for_days", "enabled")


def _rule_values(rule: AlertRule) -> dict[str, Any]:
    return {
        "process": rule.process_id,
        "category": rule.category,
        "kind": rule.kind,
        "threshold": rule.threshold,
        "threshold_high": rule.threshold_high,
        "for_days": rule.for_days,
        "enabled": rule.enabled,
    }


def _four_places(share: Decimal | None) -> Decimal | None:
    return None if share is None else Decimal(share).quantize(Decimal("0.0001"))


def _rule_check(rule: AlertRule, *, engagement: Engagement) -> None:
    """The field-level rules the database checks too, said in words first."""
    if rule.process.engagement_id != engagement.pk:
        raise ValidationError({"process": _("Choose a process of this engagement.")})
    rule.category = rule.category.strip()
    # Four places, as stored and as the API answers (the audit entry shows the same).
    rule.threshold = _four_places(rule.threshold) or Decimal(0)
    rule.threshold_high = _four_places(rule.threshold_high)
    if rule.kind == AlertRule.Kind.ESCALATION_BAND:
        if rule.threshold_high is None:
            raise ValidationError(
                {"threshold_high": _("An escalation band needs its upper end (a share 0–1).")}
            )
        if rule.threshold_high < rule.threshold:
            raise ValidationError(
                {"threshold_high": _("The band's upper end must not be below its lower end.")}
            )
    elif rule.threshold_high is not None:
        raise ValidationError(
            {"threshold_high": _("Only an escalation band has an upper threshold.")}
        )
    duplicate = AlertRule.objects.filter(
        process_id=rule.process_id, category=rule.category, kind=rule.kind
    ).exclude(pk=rule.pk)
    if duplicate.exists():
        raise ValidationError(
            {"kind": _("This process (and category) already has a rule of this kind; edit it.")}
        )
    rule.full_clean(exclude=["engagement", "process", "created_by"], validate_unique=False)


def _rule_save(rule: AlertRule) -> None:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        # Two consultants adding the same rule at once: the constraint decides.
        if (
            AlertRule.objects.filter(
                process_id=rule.process_id, category=rule.category, kind=rule.kind
            )
            .exclude(pk=rule.pk)
            .exists()
        ):
            raise ValidationError(
                {"kind": _("This process (and category) already has a rule of this kind.")}
            ) from None
        raise


@transaction.atomic
def alert_rule_create(
    *,
    engagement: Engagement,
    by: User,
    process: Process,
    kind: str,
    threshold: Decimal,
    threshold_high: Decimal | None = None,
    category: str = "",
    for_days: int = 1,
    enabled: bool = True,
) -> AlertRule:
    require_engagement_manager(by, engagement, message=RULES_MANAGERS_ONLY)
    rule = AlertRule(
        engagement=engagement,
        process=process,
        category=category,
        kind=kind,
        threshold=threshold,
        threshold_high=threshold_high,
        for_days=for_days,
        enabled=enabled,
        created_by=by,
    )
    _rule_check(rule, engagement=engagement)
    _rule_save(rule)
    audit_record(
        AuditEvent.ALERT_RULE_CREATED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=rule,
        changes={name: (None, value) for name, value in _rule_values(rule).items()},
    )
    return rule


def _open_episode_close(
    *, rule: AlertRule, engagement: Engagement, by: User, now: datetime
) -> None:
    """A disabled rule leaves no open episode behind: a pending one is dropped, a firing one
    resolves (its resolved notice goes out where the fired one did)."""
    AlertEpisode.objects.filter(rule=rule, state=AlertEpisode.State.PENDING).delete()
    episode = (
        AlertEpisode.objects.select_related("rule__process")
        .filter(rule=rule, state=AlertEpisode.State.FIRING)
        .first()
    )
    if episode is None:
        return
    episode.state = AlertEpisode.State.RESOLVED
    episode.resolved_on = episode.last_evaluated_on
    episode.resolved_at = now
    episode.save(update_fields=["state", "resolved_on", "resolved_at"])
    alert_episode_record(
        AuditEvent.ALERT_RESOLVED, episode, engagement=engagement, actor=by, rule_changed=True
    )
    alert_resolved_notify(episode=episode, engagement=engagement, now=now)


@transaction.atomic
def alert_rule_update(*, rule: AlertRule, by: User, **changes: Any) -> AlertRule:
    """Change any of the rule's fields (those given). Disabling resolves its open episode;
    re-enabling starts it afresh (it reads its last `for_days` scored days, not the days it
    was off), and so does a new process, category or kind. A new threshold or `for_days`
    applies from the next scored day evaluated."""
    engagement = rule.engagement
    require_engagement_manager(by, engagement, message=RULES_MANAGERS_ONLY)
    unknown = set(changes) - set(_RULE_FIELDS)
    if unknown:
        raise TypeError(f"alert_rule_update got unknown fields: {sorted(unknown)}")
    # Under the evaluation's lock, so a running evaluation finishes with the old rule first.
    rule = (
        AlertRule.objects.select_for_update(of=("self",)).select_related("process").get(pk=rule.pk)
    )
    before = _rule_values(rule)
    for name, value in changes.items():
        setattr(rule, name, value)
    if rule.kind != AlertRule.Kind.ESCALATION_BAND and "kind" in changes:
        rule.threshold_high = changes.get("threshold_high")
    _rule_check(rule, engagement=engagement)
    after = _rule_values(rule)
    if before == after:
        return rule
    now = timezone.now()
    # A rule that now watches something else (or nothing) ends the episode of what it watched.
    retargeted = any(before[name] != after[name] for name in ("process", "category", "kind"))
    if before["enabled"] and (retargeted or not rule.enabled):
        _open_episode_close(rule=rule, engagement=engagement, by=by, now=now)
    if rule.enabled and (retargeted or not before["enabled"]):
        rule.evaluated_through = None
    _rule_save(rule)
    audit_record(
        AuditEvent.ALERT_RULE_CHANGED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=rule,
        changes={name: (before[name], after[name]) for name in after},
    )
    return rule


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule, by: User) -> None:
    """Delete the rule with its episodes (their investigation tasks stay)."""
    engagement = rule.engagement
    require_engagement_manager(by, engagement, message=RULES_MANAGERS_ONLY)
    audit_record(
        AuditEvent.ALERT_RULE_DELETED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=rule,
        changes={name: (value, None) for name, value in _rule_values(rule).items()},
    )
    rule.delete()


# --- silences ----------------------------------------------------------------------------------


@transaction.atomic
def silence_create(
    *,
    engagement: Engagement,
    by: User,
    process: Process,
    ends_at: datetime,
    reason: str,
    rule: AlertRule | None = None,
    starts_at: datetime | None = None,
) -> Silence:
    """Silence one rule, or every rule of a process, from `starts_at` (default now) until
    `ends_at`. Episodes that fire meanwhile are recorded, marked silenced, and notify nobody."""
    require_engagement_manager(by, engagement, message=SILENCES_MANAGERS_ONLY)
    now = timezone.now()
    starts_at = starts_at or now
    reason = reason.strip()
    errors: dict[str, str] = {}
    if process.engagement_id != engagement.pk:
        errors["process"] = _("Choose a process of this engagement.")
    elif rule is not None and rule.process_id != process.pk:
        errors["rule"] = _("Choose a rule of the silenced process, or none for all its rules.")
    if not reason:
        errors["reason"] = _("Say why the alerts are silenced (e.g. a planned policy change).")
    if ends_at <= max(starts_at, now):
        errors["ends_at"] = _("The silence must end in the future, after it starts.")
    elif ends_at - starts_at > timedelta(days=SILENCE_MAX_DAYS):
        errors["ends_at"] = _(
            "A silence lasts at most %(days)s days; disable the rule to stop it for good."
        ) % {"days": SILENCE_MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    silence = Silence(
        engagement=engagement,
        process=process,
        rule=rule,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        created_by=by,
    )
    silence.full_clean()
    silence.save()
    audit_record(
        AuditEvent.SILENCE_CREATED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=silence,
        data={
            "process": process.pk,
            "rule": rule.pk if rule else None,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "reason": reason,
        },
    )
    return silence


@transaction.atomic
def silence_lift(*, silence: Silence, by: User) -> Silence:
    """End a silence now, before its time. Lifting one that has ended or was lifted is a
    conflict (409) saying which."""
    engagement = silence.engagement
    require_engagement_manager(by, engagement, message=SILENCES_MANAGERS_ONLY)
    now = timezone.now()
    won = Silence.objects.filter(pk=silence.pk, lifted_at__isnull=True, ends_at__gt=now).update(
        lifted_at=now
    )
    if not won:
        silence.refresh_from_db()
        if silence.lifted_at is not None:
            raise StateConflict(
                _("This silence was already lifted on %(at)s.")
                % {"at": f"{silence.lifted_at:%Y-%m-%d %H:%M} UTC"},
                code="silence_already_lifted",
            )
        raise StateConflict(_("This silence has already ended."), code="silence_ended")
    silence.lifted_at = now
    audit_record(
        AuditEvent.SILENCE_LIFTED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=silence,
        changes={"lifted_at": (None, now)},
    )
    return silence


# --- acknowledging -----------------------------------------------------------------------------


@transaction.atomic
def alert_episode_acknowledge(*, episode: AlertEpisode, by: User, note: str = "") -> AlertEpisode:
    """Someone is on it: who, when, a note. Once per episode: a second acknowledgement is a
    conflict (409, `alert_already_acknowledged`) naming who acknowledged it, so two people
    never both think they took it. A resolved episode needs no acknowledgement (409)."""
    engagement = episode.engagement
    require_engagement_worker(by, engagement, message=ACKNOWLEDGE_WORKERS_ONLY)
    now = timezone.now()
    note = note.strip()
    won = (
        AlertEpisode.objects.filter(pk=episode.pk, acknowledged_at__isnull=True)
        .exclude(state=AlertEpisode.State.RESOLVED)
        .update(acknowledged_by=by, acknowledged_at=now, acknowledgement_note=note)
    )
    if not won:
        current = AlertEpisode.objects.select_related("acknowledged_by").get(pk=episode.pk)
        if current.acknowledged_at is not None:
            raise StateConflict(
                _("%(user)s already acknowledged this alert on %(at)s.")
                % {
                    "user": current.acknowledged_by,
                    "at": f"{current.acknowledged_at:%Y-%m-%d %H:%M} UTC",
                },
                code="alert_already_acknowledged",
            )
        raise StateConflict(
            _("This alert has resolved; there is nothing to acknowledge."), code="alert_resolved"
        )
    episode.acknowledged_by, episode.acknowledged_at = by, now
    episode.acknowledgement_note = note
    audit_record(
        AuditEvent.ALERT_ACKNOWLEDGED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=episode,
        changes={"acknowledged_at": (None, now), "acknowledgement_note": ("", note)},
    )
    return episode
