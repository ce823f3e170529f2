"""Skill-transfer plans, their competencies, and the consultant's stance steps.

A plan belongs to one operator of the engagement's client, is seeded with the article's four
competencies and is edited by the engagement's consultants only. Every change is audited in its
transaction with the fields' before and after.

The stance steps down the ladder lead → advisory → out one rung at a time (`stance_step`), and
never further than the phase allows: the consultant leads until the handoff phase, may advise
from it on, and may step out once the engagement is in advisory. A phase move that carries the
stance (STANCE_FOR_PHASE) or an edit of the engagement records its step through
`maestro.engagements.hooks.on_stance_changed` (`stance_step_record`), so the history holds every
change, including the way back up when a phase moves back.
"""

from datetime import date, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handoff.models import DEFAULT_COMPETENCIES, Competency, SkillTransferPlan, Stage, StanceStep
from handoff.services.check_ins import check_ins_reschedule
from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.engagements.models import PHASE_ORDER, Engagement, Phase
from maestro.engagements.scoping import OPERATOR, people_at, require_engagement_manager
from maestro.exceptions import DomainError, StateConflict
from maestro.lib.timezones import local_today
from maestro.tenancy.models import User

PLANS_MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants manage its skill transfer.")
STANCE_MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants step their stance down.")

# The plan's settings the consultants edit: cadence and the evidence bars. (The shadow share is
# set with the shadow reviews.)
PLAN_FIELDS = (
    "every_weeks",
    "weekday",
    "local_time",
    "duration_minutes",
    "starts_on",
    "reminder_minutes",
    "grace_minutes",
    "kappa_bar",
    "shadow_cases_min",
)
# The fields that place the check-ins: a change moves the plan's upcoming one.
CADENCE_FIELDS = ("every_weeks", "weekday", "local_time", "duration_minutes", "starts_on")
COMPETENCY_FIELDS = ("name", "target_stage", "current_stage", "evidence", "position")
NOTE_MAX = 2000

STANCE_ORDER: list[str] = [stance.value for stance in Engagement.Stance]
# The earliest phase each stance may be reached in by a step down.
STANCE_EARLIEST_PHASE: dict[str, str] = {
    Engagement.Stance.ADVISORY: Phase.HANDOFF,
    Engagement.Stance.OUT: Phase.ADVISORY,
}


# --- plans ---------------------------------------------------------------------------------------


def _plan_values(plan: SkillTransferPlan) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(plan, name) for name in PLAN_FIELDS}
    # As the API writes them, so the entry reads the same as the answer.
    values["local_time"] = _time_text(plan.local_time)
    values["starts_on"] = plan.starts_on.isoformat() if plan.starts_on else None
    values["kappa_bar"] = f"{Decimal(plan.kappa_bar):.3f}"
    return values


def _time_text(value: time | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.strftime("%H:%M")


def _check_operator(*, engagement: Engagement, operator: User) -> None:
    if not people_at(engagement.client_id, [OPERATOR]).filter(pk=operator.pk).exists():
        raise ValidationError(
            {
                "operator": [
                    _("%(user)s is not an active operator of %(client)s.")
                    % {"user": operator.get_username(), "client": engagement.client}
                ]
            }
        )


def _operator_taken(*, engagement: Engagement, operator: User) -> ValidationError:
    return ValidationError(
        {
            "operator": [
                _("%(user)s already has a skill-transfer plan on this engagement.")
                % {"user": operator.get_username()}
            ]
        }
    )


def _plan_clean(plan: SkillTransferPlan) -> None:
    plan.full_clean(exclude=["engagement", "operator", "created_by"], validate_unique=False)
    plan.kappa_bar = Decimal(plan.kappa_bar).quantize(Decimal("0.001"))


def _competency_names_check(names: list[str]) -> list[str]:
    cleaned = [name.strip() for name in names]
    if any(not name for name in cleaned):
        raise ValidationError({"competencies": [_("A competency needs a name.")]})
    if len({name.casefold() for name in cleaned}) != len(cleaned):
        raise ValidationError({"competencies": [_("Each competency's name must be unique.")]})
    return cleaned


@transaction.atomic
def plan_create(
    *,
    engagement: Engagement,
    operator: User,
    by: User,
    competencies: list[str] | None = None,
    **settings: Any,
) -> SkillTransferPlan:
    """A plan for `operator` (an active operator of the engagement's client), seeded with
    `competencies` (by default the article's four, each targeting solo from shadow). Cadence
    and bars default to the model's; the first week is the client's current one."""
    require_engagement_manager(by, engagement, message=PLANS_MANAGERS_ONLY)
    unknown = set(settings) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"plan_create got unknown fields: {sorted(unknown)}")
    _check_operator(engagement=engagement, operator=operator)
    if SkillTransferPlan.objects.filter(engagement=engagement, operator=operator).exists():
        raise _operator_taken(engagement=engagement, operator=operator)
    names = _competency_names_check(
        list(DEFAULT_COMPETENCIES) if competencies is None else competencies
    )
    settings.setdefault("starts_on", local_today(engagement.client.tzinfo))
    plan = SkillTransferPlan(engagement=engagement, operator=operator, created_by=by, **settings)
    _plan_clean(plan)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # Two consultants planning for the same operator at once: the constraint decides.
        if SkillTransferPlan.objects.filter(engagement=engagement, operator=operator).exists():
            raise _operator_taken(engagement=engagement, operator=operator) from None
        raise
    Competency.objects.bulk_create(
        [Competency(plan=plan, name=name, order=i) for i, name in enumerate(names)]
    )
    audit_record(
        AuditEvent.SKILL_PLAN_CREATED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=plan,
        changes={
            "operator": (None, operator.get_username()),
            **{name: (None, value) for name, value in _plan_values(plan).items()},
            "competencies": (None, names),
        },
    )
    return plan


@transaction.atomic
def plan_update(*, plan: SkillTransferPlan, by: User, **changes: Any) -> SkillTransferPlan:
    """Change the plan's cadence or bars (those given). Nothing is recorded when nothing
    changed. A cadence change moves (or cancels) the upcoming check-in in this transaction."""
    engagement = plan.engagement
    require_engagement_manager(by, engagement, message=PLANS_MANAGERS_ONLY)
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"plan_update got unknown fields: {sorted(unknown)}")
    plan = SkillTransferPlan.objects.select_for_update().get(pk=plan.pk)
    plan.engagement = engagement
    before = _plan_values(plan)
    for name, value in changes.items():
        setattr(plan, name, value)
    _plan_clean(plan)
    after = _plan_values(plan)
    if before == after:
        return plan
    plan.save()
    audit_record(
        AuditEvent.SKILL_PLAN_CHANGED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=plan,
        changes={name: (before[name], after[name]) for name in after},
    )
    if any(before[name] != after[name] for name in CADENCE_FIELDS):
        check_ins_reschedule(plan, by=by)
    return plan


# --- competencies --------------------------------------------------------------------------------


def _competency_values(competency: Competency, position: int) -> dict[str, Any]:
    return {
        "name": competency.name,
        "target_stage": competency.target_stage,
        "current_stage": competency.current_stage,
        "evidence": competency.evidence,
        "position": position,
    }


def _locked_competencies(plan: SkillTransferPlan) -> list[Competency]:
    """The plan's competencies in order, under the plan's lock, so two consultants editing
    the same plan take turns (names stay unique, positions stay 0..n-1)."""
    SkillTransferPlan.objects.select_for_update().filter(pk=plan.pk).first()
    return list(Competency.objects.filter(plan=plan).order_by("order", "pk"))


def _renumber(competencies: list[Competency]) -> None:
    moved = []
    for i, competency in enumerate(competencies):
        if competency.order != i:
            competency.order = i
            moved.append(competency)
    if moved:
        Competency.objects.bulk_update(moved, ["order"])


def _competency_check(competency: Competency, *, others: list[Competency]) -> None:
    competency.name = (competency.name or "").strip()
    competency.evidence = (competency.evidence or "").strip()
    if not competency.name:
        raise ValidationError({"name": [_("A competency needs a name.")]})
    if any(other.name.casefold() == competency.name.casefold() for other in others):
        raise ValidationError(
            {
                "name": [
                    _("This plan already has a competency named “%(name)s”.")
                    % {"name": competency.name}
                ]
            }
        )
    competency.full_clean(exclude=["plan", "order"], validate_unique=False)


def _position_check(position: Any, *, size: int) -> int:
    if isinstance(position, bool) or not isinstance(position, int):
        raise ValidationError({"position": [_("A position is a whole number.")]})
    if not 0 <= position < size:
        raise ValidationError(
            {
                "position": [
                    _("Position must be from 0 to %(last)d (the plan has %(count)d competencies).")
                    % {"last": size - 1, "count": size}
                ]
            }
        )
    return position


@transaction.atomic
def competency_add(
    *,
    plan: SkillTransferPlan,
    by: User,
    name: str,
    target_stage: str = Stage.SOLO,
    current_stage: str = Stage.SHADOW,
    evidence: str = "",
) -> Competency:
    """Add a competency at the end of the plan."""
    engagement = plan.engagement
    require_engagement_manager(by, engagement, message=PLANS_MANAGERS_ONLY)
    others = _locked_competencies(plan)
    competency = Competency(
        plan=plan,
        name=name,
        target_stage=target_stage,
        current_stage=current_stage,
        evidence=evidence,
        order=max((c.order for c in others), default=-1) + 1,
    )
    _competency_check(competency, others=others)
    competency.save()
    audit_record(
        AuditEvent.COMPETENCY_ADDED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=competency,
        changes={
            name: (None, value)
            for name, value in _competency_values(competency, len(others)).items()
        },
        data={"plan": plan.pk},
    )
    return competency


@transaction.atomic
def competency_update(*, competency: Competency, by: User, **changes: Any) -> Competency:
    """Rename, retarget, set the current stage or the evidence notes, or move the competency
    to `position` (0 = first) among the plan's."""
    plan = competency.plan
    engagement = plan.engagement
    require_engagement_manager(by, engagement, message=PLANS_MANAGERS_ONLY)
    unknown = set(changes) - set(COMPETENCY_FIELDS)
    if unknown:
        raise TypeError(f"competency_update got unknown fields: {sorted(unknown)}")
    ordered = _locked_competencies(plan)
    current = next((c for c in ordered if c.pk == competency.pk), None)
    if current is None:
        raise StateConflict(_("This competency was removed meanwhile."), code="competency_removed")
    position = ordered.index(current)
    before = _competency_values(current, position)
    new_position = position
    if "position" in changes:
        new_position = _position_check(changes.pop("position"), size=len(ordered))
    for name, value in changes.items():
        setattr(current, name, value)
    _competency_check(current, others=[c for c in ordered if c.pk != current.pk])
    after = _competency_values(current, new_position)
    if before == after:
        return current
    current.save(update_fields=["name", "target_stage", "current_stage", "evidence"])
    if new_position != position:
        ordered.remove(current)
        ordered.insert(new_position, current)
        _renumber(ordered)
    audit_record(
        AuditEvent.COMPETENCY_CHANGED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=current,
        changes={name: (before[name], after[name]) for name in after},
        data={"plan": plan.pk},
    )
    return current


@transaction.atomic
def competency_remove(*, competency: Competency, by: User) -> None:
    """Remove the competency (the stages recorded for it at check-ins go with it)."""
    plan = competency.plan
    engagement = plan.engagement
    require_engagement_manager(by, engagement, message=PLANS_MANAGERS_ONLY)
    ordered = _locked_competencies(plan)
    current = next((c for c in ordered if c.pk == competency.pk), None)
    if current is None:
        return  # removed meanwhile: the outcome asked for
    audit_record(
        AuditEvent.COMPETENCY_REMOVED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=current,
        changes={
            name: (value, None)
            for name, value in _competency_values(current, ordered.index(current)).items()
        },
        data={"plan": plan.pk},
    )
    current.delete()
    ordered.remove(current)
    _renumber(ordered)


# --- the consultant's stance ---------------------------------------------------------------------


def _stance_label(stance: str) -> str:
    return str(Engagement.Stance(stance).label)


def stance_next(engagement: Engagement) -> str | None:
    """The rung below the current stance, or None when the consultant is out."""
    index = STANCE_ORDER.index(engagement.stance)
    return STANCE_ORDER[index + 1] if index + 1 < len(STANCE_ORDER) else None


def stance_step_refusal(engagement: Engagement, to_stance: str) -> DomainError | None:
    """Why `engagement` cannot step down to `to_stance` now (None: it can). For the pages,
    which offer the step only when it would pass."""
    following = stance_next(engagement)
    if following is None:
        return StateConflict(
            _("The consultant is already out of this engagement."), code="stance_already_out"
        )
    if to_stance != following:
        return DomainError(
            _(
                "The stance steps down one rung at a time: from %(from)s the next step is "
                "%(next)s, not %(to)s."
            )
            % {
                "from": _stance_label(engagement.stance),
                "next": _stance_label(following),
                "to": _stance_label(to_stance),
            },
            code="stance_not_next",
        )
    earliest = STANCE_EARLIEST_PHASE[following]
    if PHASE_ORDER.index(engagement.phase) < PHASE_ORDER.index(earliest):
        return DomainError(
            _(
                "Stepping down to %(to)s waits for the %(phase)s phase "
                "(the engagement is in %(now)s)."
            )
            % {
                "to": _stance_label(following),
                "phase": Phase(earliest).label,
                "now": Phase(engagement.phase).label,
            },
            code="stance_ahead_of_phase",
        )
    return None


@transaction.atomic
def stance_step(*, engagement: Engagement, by: User, to_stance: str, note: str = "") -> StanceStep:
    """Step the consultant's stance one rung down (lead → advisory → out), recorded with who,
    when and a note, and audited. Not back up: a phase moved back does that (recorded too)."""
    require_engagement_manager(by, engagement, message=STANCE_MANAGERS_ONLY)
    if to_stance not in STANCE_ORDER:
        raise ValidationError(
            {"to_stance": [_("“%(stance)s” is not a stance.") % {"stance": to_stance}]}
        )
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": [_("The note is limited to %(max)d characters.") % {"max": NOTE_MAX}]}
        )
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    refusal = stance_step_refusal(locked, to_stance)
    if refusal is not None:
        raise refusal
    from_stance = locked.stance
    Engagement.objects.filter(pk=engagement.pk).update(stance=to_stance)
    engagement.stance = to_stance
    step = StanceStep.objects.create(
        engagement=engagement, from_stance=from_stance, to_stance=to_stance, by=by, note=note
    )
    audit_record(
        AuditEvent.STANCE_CHANGED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=engagement,
        changes={"stance": (from_stance, to_stance)},
        data={"stance_step": step.pk, "note": note},
    )
    return step


def stance_step_record(
    *, engagement: Engagement, from_stance: str, to_stance: str, by: User, note: str = ""
) -> StanceStep:
    """Keep a stance change made elsewhere (a phase move, an edit of the engagement) in the
    stance's history; its audit entry is the caller's. Wired in maestro.composition."""
    return StanceStep.objects.create(
        engagement=engagement,
        from_stance=from_stance,
        to_stance=to_stance,
        by=by,
        note=note[:NOTE_MAX],
    )


def plan_default_start(engagement: Engagement) -> date:
    """The first week a new plan counts from: the client's current day."""
    return local_today(engagement.client.tzinfo)
