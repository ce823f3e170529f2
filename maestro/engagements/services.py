from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.engagements import hooks, lifecycle
from maestro.engagements.models import PHASE_ORDER, Engagement, Phase, PhaseTransition
from maestro.engagements.scoping import (
    is_consultant,
    is_consultant_at,
    require_engagement_manager,
)
from maestro.exceptions import DomainError, NotPermitted, StateConflict
from maestro.lib.numbers import share_from_percent
from maestro.tenancy.models import Client, Membership, User

# The consultant's stance that goes with each phase: they lead until handoff, then step back.
STANCE_FOR_PHASE: dict[str, str] = {
    Phase.ADVISORY: Engagement.Stance.ADVISORY,
    Phase.CLOSED: Engagement.Stance.OUT,
}


def _label(phase: str) -> str:
    return str(Phase(phase).label)


def _check_consultants(*, client: Client, lead: User | None, members) -> None:
    errors: dict[str, list[str]] = {}
    if lead is not None and not is_consultant_at(lead, client):
        errors["lead"] = [
            _("%(user)s is not a consultant at %(client)s.")
            % {"user": lead.get_username(), "client": client}
        ]
    outsiders = [m.get_username() for m in members if not is_consultant_at(m, client)]
    if outsiders:
        errors["members"] = [
            _("Not consultants at %(client)s: %(users)s.")
            % {"client": client, "users": ", ".join(outsiders)}
        ]
    if errors:
        raise ValidationError(errors)


def _people(users) -> list[str]:
    """A team as the audit trail keeps it: names, sorted, so a reorder is no change."""
    return sorted(str(user) for user in users)


def _check_name_free(*, client: Client, name: str, exclude_pk: int | None = None) -> None:
    clash = Engagement.objects.filter(client=client, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "name": [
                    _("%(client)s already has an engagement named “%(name)s”.")
                    % {"client": client, "name": name}
                ]
            }
        )


@transaction.atomic
def client_create(*, name: str, slug: str, by: User, time_zone: str | None = None) -> Client:
    """Consultancy staff open a new client; the creator becomes its consultant. The time zone
    defaults to DJANGO_TIME_ZONE."""
    if not is_consultant(by):
        raise NotPermitted(_("Only consultants can add clients."), code="not_consultant")
    errors = {}
    if Client.objects.filter(name__iexact=name).exists():
        errors["name"] = [_("A client named “%(name)s” already exists.") % {"name": name}]
    if Client.objects.filter(slug=slug).exists():
        errors["slug"] = [_("The slug “%(slug)s” is taken.") % {"slug": slug}]
    if errors:
        raise ValidationError(errors)
    client = Client(name=name, slug=slug)
    if time_zone is not None:
        client.time_zone = time_zone
    client.full_clean()
    client.save()
    if not by.is_staff:
        Membership.objects.create(user=by, client=client, role=Membership.Role.CONSULTANT)
    return client


def _client_setting_set(
    *, client: Client, by: User, field: str, value: str, event: AuditEvent, refusal: str
) -> Client:
    """Set one of the client's settings as its consultants (and staff) may: validated with the
    model's own rules, saved and audited (before and after) only when it changed."""
    if not is_consultant_at(by, client):
        raise NotPermitted(refusal % {"client": client}, code="not_consultant")
    before = getattr(client, field)
    setattr(client, field, value)
    client.full_clean(exclude=["name", "slug"])
    if value == before:
        return client
    client.save(update_fields=[field])
    audit_record(event, actor=by, client=client, target=client, changes={field: (before, value)})
    return client


@transaction.atomic
def client_time_zone_set(*, client: Client, time_zone: str, by: User) -> Client:
    """The client's consultants (and staff) set its IANA time zone: its days and weeks for
    scoring, weekly reviews and check-ins. Audited with the before and after."""
    return _client_setting_set(
        client=client,
        by=by,
        field="time_zone",
        value=time_zone,
        event=AuditEvent.CLIENT_TIME_ZONE_CHANGED,
        refusal=_("Only consultants at %(client)s can change its time zone."),
    )


@transaction.atomic
def client_paper_size_set(*, client: Client, paper_size: str, by: User) -> Client:
    """The client's consultants (and staff) choose the paper its handoff PDF is laid out for
    (A4 or US Letter); documents generated from then on use it. Audited with the before and
    after."""
    return _client_setting_set(
        client=client,
        by=by,
        field="paper_size",
        value=paper_size,
        event=AuditEvent.CLIENT_PAPER_SIZE_CHANGED,
        refusal=_("Only consultants at %(client)s can change its paper size."),
    )


@transaction.atomic
def client_settings_update(
    *, client: Client, by: User, time_zone: str | None = None, paper_size: str | None = None
) -> Client:
    """The client's settings page, API and admin: each setting given is set (and audited) by
    its own service, all or none."""
    if time_zone is not None:
        client_time_zone_set(client=client, time_zone=time_zone, by=by)
    if paper_size is not None:
        client_paper_size_set(client=client, paper_size=paper_size, by=by)
    return client


@transaction.atomic
def engagement_create(
    *,
    client: Client,
    name: str,
    by: User,
    lead: User | None = None,
    members=(),
    description: str = "",
    target_accuracy: Decimal | None = None,
) -> Engagement:
    if not is_consultant_at(by, client):
        raise NotPermitted(
            _("Only consultants at %(client)s can open engagements for it.") % {"client": client},
            code="not_consultant",
        )
    lead = lead or by
    members = list(members)
    _check_consultants(client=client, lead=lead, members=members)
    _check_name_free(client=client, name=name)
    engagement = Engagement(client=client, name=name, lead=lead, description=description)
    if target_accuracy is not None:
        engagement.target_accuracy = target_accuracy
    if not by.is_staff and by != lead and by not in members:
        members.append(by)  # whoever opens an engagement stays on it, so they can see it
    engagement.full_clean()
    engagement.save()
    engagement.members.set(members)
    audit_record(
        AuditEvent.ENGAGEMENT_CREATED,
        actor=by,
        client=client,
        engagement=engagement,
        target=engagement,
        changes={
            "name": (None, engagement.name),
            "lead": (None, str(lead)),
            "members": (None, _people(members)),
            "target_accuracy": (None, share_from_percent(engagement.target_accuracy)),
            "phase": (None, engagement.phase),
        },
    )
    # The layers above join in here (starter runbooks): maestro.engagements.hooks.
    hooks.engagement_created(engagement=engagement, by=by)
    return engagement


@transaction.atomic
def engagement_update(*, engagement: Engagement, by: User, **changes) -> Engagement:
    """Edit an engagement's details. The phase is not among them: it moves only through
    `engagement_transition`, so every move is gated and recorded."""
    require_engagement_manager(
        by, engagement, message=_("Only the engagement's consultants can change it.")
    )
    members = changes.pop("members", None)
    _check_consultants(client=engagement.client, lead=changes.get("lead"), members=members or [])
    if "name" in changes:
        _check_name_free(client=engagement.client, name=changes["name"], exclude_pk=engagement.pk)
    before = {field: getattr(engagement, field) for field in changes}
    members_before = _people(engagement.members.all()) if members is not None else None
    for field, value in changes.items():
        setattr(engagement, field, value)
    engagement.full_clean()
    engagement.save()
    if members is not None:
        engagement.members.set(members)
    _record_update(engagement=engagement, by=by, before=before, members_before=members_before)
    return engagement


def _record_update(
    *, engagement: Engagement, by: User, before: dict, members_before: list[str] | None
) -> None:
    """One entry for the stance (its own event: the handoff's milestones read it), one for
    every other field that really changed; nothing for an edit that changed nothing."""
    changed: dict[str, tuple] = {}
    for field, old in before.items():
        new = getattr(engagement, field)
        if new != old:
            # People by name: the entry must read right after the account is renamed or gone.
            if field == "lead":
                changed[field] = (str(old), str(new))
            elif field == "target_accuracy":  # a share, written as the API writes shares
                changed[field] = (share_from_percent(old), share_from_percent(new))
            else:
                changed[field] = (old, new)
    if members_before is not None:
        members_after = _people(engagement.members.all())
        if members_after != members_before:
            changed["members"] = (members_before, members_after)
    stance = changed.pop("stance", None)
    common: dict[str, Any] = {"actor": by, "client": engagement.client_id, "engagement": engagement}
    if stance is not None:
        audit_record(
            AuditEvent.STANCE_CHANGED, target=engagement, changes={"stance": stance}, **common
        )
        # The stance's history (handoff's stance steps) records every change of it.
        hooks.stance_changed(
            engagement=engagement, from_stance=stance[0], to_stance=stance[1], by=by
        )
    if changed:
        audit_record(AuditEvent.ENGAGEMENT_CHANGED, target=engagement, changes=changed, **common)


@transaction.atomic
def engagement_transition(
    *,
    engagement: Engagement,
    to_phase: str,
    by: User,
    note: str = "",
    override: bool = False,
    override_reason: str = "",
) -> PhaseTransition:
    """Move the engagement one phase forward (through its gate) or one phase back.

    A failing gate refuses the move unless `override` is set with a reason, which is kept on
    the transition. Two consultants moving the same engagement at once: the conditional
    update lets exactly one win; the other gets a StateConflict.
    """
    require_engagement_manager(
        by, engagement, message=_("Only the engagement's consultants can move its phase.")
    )
    if to_phase not in PHASE_ORDER:
        raise ValidationError(
            {"to_phase": [_("“%(phase)s” is not a phase.") % {"phase": to_phase}]}
        )
    from_phase = engagement.phase
    override_reason = override_reason.strip()
    if override and not override_reason:
        raise ValidationError({"override_reason": [_("Overriding a gate needs a reason.")]})
    if to_phase not in lifecycle.legal_moves(from_phase):
        raise DomainError(
            _("An engagement in %(from)s can move to %(allowed)s, not to %(to)s.")
            % {
                "from": _label(from_phase),
                "to": _label(to_phase),
                "allowed": _(" or ").join(_label(p) for p in lifecycle.legal_moves(from_phase))
                or _("nothing"),
            },
            code="illegal_transition",
        )
    if not lifecycle.is_forward(from_phase, to_phase) and not note.strip():
        raise ValidationError({"note": [_("Moving back a phase needs a note saying why.")]})

    checks = lifecycle.gate_evaluate(engagement=engagement, to_phase=to_phase)
    failing = [c for c in checks if not c.passed]
    if failing and not override:
        raise DomainError(
            _(
                "The gate to %(to)s is not met: %(failing)s. "
                "To move anyway, override it with a reason."
            )
            % {"to": _label(to_phase), "failing": "; ".join(c.label for c in failing)},
            code="gate_failed",
            extra={"gates": [c.as_dict() for c in checks]},
        )

    now = timezone.now()
    stance = STANCE_FOR_PHASE.get(to_phase, Engagement.Stance.LEAD)
    won = Engagement.objects.filter(pk=engagement.pk, phase=from_phase).update(
        phase=to_phase, stance=stance, phase_changed_at=now, updated_at=now
    )
    if won == 0:
        raise StateConflict(
            _("The engagement moved on meanwhile; reload it and try again."), code="phase_changed"
        )
    stance_before = engagement.stance
    engagement.phase, engagement.stance, engagement.phase_changed_at = to_phase, stance, now
    transition = PhaseTransition.objects.create(
        engagement=engagement,
        from_phase=from_phase,
        to_phase=to_phase,
        by=by,
        note=note.strip(),
        # Kept only when a failing gate was actually overridden.
        override_reason=override_reason if failing else "",
        gate_results=[c.as_dict() for c in checks],
    )
    common: dict[str, Any] = {"actor": by, "client": engagement.client_id, "engagement": engagement}
    audit_record(
        AuditEvent.PHASE_CHANGED,
        target=engagement,
        # The stance moves with some phases (STANCE_FOR_PHASE); it is part of this change.
        changes={"phase": (from_phase, to_phase), "stance": (stance_before, stance)},
        data={"transition": transition.pk, "note": transition.note},
        **common,
    )
    if stance != stance_before:
        hooks.stance_changed(
            engagement=engagement,
            from_stance=stance_before,
            to_stance=stance,
            by=by,
            note=_("With the move from %(from)s to %(to)s.")
            % {"from": _label(from_phase), "to": _label(to_phase)},
        )
    if transition.overridden:
        audit_record(
            AuditEvent.GATE_OVERRIDDEN,
            target=engagement,
            data={
                "transition": transition.pk,
                "from_phase": from_phase,
                "to_phase": to_phase,
                "reason": transition.override_reason,
                "failing_checks": [
                    {"code": c.code, "label": c.label, "detail": c.detail} for c in failing
                ],
            },
            **common,
        )
    return transition
