"""The lifecycle's gate checks: what each forward move of an engagement asks for.

They read the apps above engagements (maps, training rounds, playbooks, the client's people), so
they live at the top (composition) layer; `maestro.composition` registers them into
`maestro.engagements.lifecycle` at startup (`register`).
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

from handoff.models import CheckIn, SkillTransferPlan
from handoff.selectors.evidence import plan_agreement
from handoff.selectors.handoff import signed_off_item
from handoff.selectors.readiness import plans_readiness
from handoff.selectors.sign_offs import sign_off_status
from maestro.engagements.lifecycle import Check, GateCheck, gate_register
from maestro.engagements.models import Engagement, Phase
from maestro.engagements.scoping import people_at
from maestro.mapping.models import DecisionPoint, Process, Step
from maestro.playbooks.models import PlaybookVersion
from maestro.tenancy.models import Membership
from maestro.training.selectors import gate_criteria_results


def _plans(engagement: Engagement):
    return SkillTransferPlan.objects.filter(engagement=engagement).select_related("operator")


def operator_named(engagement: Engagement) -> GateCheck:
    """An operator is named by having a skill-transfer plan (who takes over is the plan's
    operator), and is still an active operator of the client."""
    active = set(
        people_at(engagement.client_id, [Membership.Role.OPERATOR]).values_list("pk", flat=True)
    )
    plans = list(_plans(engagement).order_by("operator__username"))
    named = [p.operator.get_username() for p in plans if p.operator_id in active]
    gone = [p.operator.get_username() for p in plans if p.operator_id not in active]
    if named:
        detail = _("Named in a skill-transfer plan: %(names)s.") % {"names": ", ".join(named)}
    elif gone:
        detail = _(
            "The plan's operator is no longer an active operator of %(client)s: %(names)s."
        ) % {
            "client": engagement.client.name,
            "names": ", ".join(gone),
        }
    else:
        detail = _(
            "No operator is named yet: create a skill-transfer plan for an operator of "
            "%(client)s (Skill transfer)."
        ) % {"client": engagement.client.name}
    return GateCheck(
        code="operator_named",
        label=_("An operator is named"),
        passed=bool(named),
        detail=detail,
    )


def skill_transfer_plan_exists(engagement: Engagement) -> GateCheck:
    counts = [
        (r.plan.operator.get_username(), r.total) for r in plans_readiness(_plans(engagement))
    ]
    ready = [name for name, total in counts if total > 0]
    if not counts:
        detail = _("No skill-transfer plan yet.")
    elif ready:
        detail = "; ".join(
            _("%(operator)s's plan: %(count)d competencies") % {"operator": name, "count": total}
            for name, total in counts
        )
    else:
        detail = _("The plan has no competency yet; add at least one.")
    return GateCheck(
        code="skill_transfer_plan_exists",
        label=_("A skill-transfer plan with at least one competency exists"),
        passed=bool(ready),
        detail=detail,
    )


# --- handoff → advisory: every plan's operator is ready, by the evidence --------------------------


class Agreement(Protocol):
    """What handoff.selectors.evidence.plan_agreement answers."""

    @property
    def kappa(self) -> Decimal | None: ...

    @property
    def cases(self) -> int: ...


def _plan_agreement(plan: SkillTransferPlan) -> Agreement:
    return plan_agreement(plan)


def _who(plan: SkillTransferPlan, many: bool) -> str:
    return f"{plan.operator.get_username()}: " if many else ""


def _no_plan(code: str, label: str) -> GateCheck:
    return GateCheck(
        code=code, label=label, passed=False, detail=_("No skill-transfer plan on this engagement.")
    )


def operator_ready(engagement: Engagement) -> GateCheck:
    label = _("Readiness is 100% on every skill-transfer plan")
    readiness = plans_readiness(_plans(engagement))
    if not readiness:
        return _no_plan("operator_ready", label)
    many = len(readiness) > 1
    return GateCheck(
        code="operator_ready",
        label=label,
        passed=all(r.complete for r in readiness),
        detail="; ".join(f"{_who(r.plan, many)}{r.figure}" for r in readiness),
    )


def _kappa_text(value: Decimal) -> str:
    return f"{value:.2f}"


def shadow_agreement_met(engagement: Engagement) -> GateCheck:
    label = _("Shadow reviews agree enough (Cohen's kappa at the plan's bar, on enough cases)")
    plans = list(_plans(engagement).order_by("operator__username", "pk"))
    if not plans:
        return _no_plan("shadow_agreement_met", label)
    many = len(plans) > 1
    passed, parts = True, []
    for plan in plans:
        agreement = _plan_agreement(plan)
        needs = _("needs %(bar)s on %(cases)d") % {
            "bar": _kappa_text(plan.kappa_bar),
            "cases": plan.shadow_cases_min,
        }
        if agreement.kappa is None:
            figure = _("kappa not measurable on %(cases)d shadow cases") % {
                "cases": agreement.cases
            }
        else:
            figure = _("kappa %(kappa)s on %(cases)d shadow cases") % {
                "kappa": _kappa_text(agreement.kappa),
                "cases": agreement.cases,
            }
        met = (
            agreement.kappa is not None
            and agreement.kappa >= plan.kappa_bar
            and agreement.cases >= plan.shadow_cases_min
        )
        passed = passed and met
        parts.append(f"{_who(plan, many)}{figure}; {needs}")
    return GateCheck(
        code="shadow_agreement_met", label=label, passed=passed, detail="; ".join(parts)
    )


def _local_day(moment: datetime, engagement: Engagement) -> str:
    return f"{timezone.localtime(moment, engagement.client.tzinfo):%-d %b}"


def check_ins_kept(engagement: Engagement, *, now: datetime | None = None) -> GateCheck:
    """Neither of each plan's last two past check-ins (cancelled ones aside) was missed."""
    label = _("No missed check-in among the last two")
    plans = list(_plans(engagement).order_by("operator__username", "pk"))
    if not plans:
        return _no_plan("check_ins_kept", label)
    now = now or timezone.now()
    last_two: dict[int, list[Any]] = {plan.pk: [] for plan in plans}
    # Newest first; two per plan are kept (a plan has one check-in a week or fewer).
    for check_in in (
        CheckIn.objects.filter(plan__in=plans, scheduled_at__lt=now)
        .exclude(status=CheckIn.Status.CANCELLED)
        .order_by("-scheduled_at", "-pk")
        .only("plan_id", "scheduled_at", "status")
    ):
        if len(last_two[check_in.plan_id]) < 2:
            last_two[check_in.plan_id].append(check_in)
    many = len(plans) > 1
    passed, parts = True, []
    for plan in plans:
        recent = last_two[plan.pk]
        missed = [c for c in recent if c.status == CheckIn.Status.MISSED]
        if missed:
            passed = False
            parts.append(
                _who(plan, many)
                + ", ".join(
                    _("missed check-in on %(day)s")
                    % {"day": _local_day(c.scheduled_at, engagement)}
                    for c in reversed(missed)
                )
            )
        elif recent:
            parts.append(
                _who(plan, many) + _("the last %(count)d check-in(s) kept") % {"count": len(recent)}
            )
        else:
            parts.append(_who(plan, many) + _("no check-in has taken place yet"))
    return GateCheck(code="check_ins_kept", label=label, passed=passed, detail="; ".join(parts))


def process_map_ready(engagement: Engagement) -> GateCheck:
    processes = Process.objects.filter(engagement=engagement)
    mapped = list(
        processes.filter(steps__flow=Step.Flow.ACTUAL).distinct().values_list("name", flat=True)
    )
    points = DecisionPoint.objects.filter(step__process__engagement=engagement).count()
    if not mapped:
        detail = _("No process has its actual steps mapped yet.")
    elif not points:
        detail = _("Mapped: %(names)s; but no decision point is recorded yet.") % {
            "names": ", ".join(sorted(mapped))
        }
    else:
        detail = _("Mapped: %(names)s; %(points)d decision point(s).") % {
            "names": ", ".join(sorted(mapped)),
            "points": points,
        }
    return GateCheck(
        code="process_map_ready",
        label=_("At least one process map with its actual steps and a decision point"),
        passed=bool(mapped) and points > 0,
        detail=detail,
    )


def latest_round_meets_target(engagement: Engagement) -> GateCheck:
    """The latest training round against the engagement's criteria (maestro.training)."""
    latest, results = gate_criteria_results(engagement=engagement)
    label = _("The latest training round meets the engagement's criteria")
    if latest is None:
        return GateCheck(
            code="latest_round_meets_target",
            label=label,
            passed=False,
            detail=_("No training round is recorded yet."),
        )
    failing = [r for r in results if not r.passed]
    shown = failing or results
    detail = _("Round %(number)d of %(dataset)s: %(results)s") % {
        "number": latest.number,
        "dataset": latest.dataset.name,
        "results": "; ".join(
            f"{'✕' if not r.passed else '✓'} {r.label}: {r.detail}" for r in shown
        ),
    }
    return GateCheck(
        code="latest_round_meets_target", label=label, passed=not failing, detail=detail
    )


def escalation_playbook_exists(engagement: Engagement) -> GateCheck:
    """At least one process has a saved playbook version (maestro.playbooks). A process without one
    still works: its decisions all go to a human, so the gate asks for one, not for all."""
    covered = set(
        PlaybookVersion.objects.filter(playbook__process__engagement=engagement).values_list(
            "playbook__process__name", flat=True
        )
    )
    missing = sorted(
        set(Process.objects.filter(engagement=engagement).values_list("name", flat=True)) - covered
    )
    if not covered:
        detail = _("No process has an escalation playbook yet.")
    elif missing:
        detail = _(
            "Playbook for: %(names)s. Without one (every decision goes to a human): %(missing)s."
        ) % {"names": ", ".join(sorted(covered)), "missing": ", ".join(missing)}
    else:
        detail = _("Playbook for: %(names)s.") % {"names": ", ".join(sorted(covered))}
    return GateCheck(
        code="escalation_playbook_exists",
        label=_("At least one process has an escalation playbook"),
        passed=bool(covered),
        detail=detail,
    )


# --- advisory → closed: the consultant is out and the handoff document is signed off -----------


def stance_out(engagement: Engagement) -> GateCheck:
    """The consultant stepped out (a stance step from Advisory) before the engagement closes."""
    out = engagement.stance == Engagement.Stance.OUT
    if out:
        detail = _("The consultant's stance is Out.")
    else:
        detail = _(
            "The consultant's stance is %(stance)s: step it down to Out first (Handoff page)."
        ) % {"stance": engagement.get_stance_display()}
    return GateCheck(
        code="stance_out",
        label=_("The consultant has stepped out"),
        passed=out,
        detail=detail,
    )


def handoff_signed_off(engagement: Engagement) -> GateCheck:
    """The engagement's latest succeeded handoff PDF carries a sponsor's sign-off and one from
    every operator with a skill-transfer plan (handoff.selectors.sign_offs, `sign_off_status`)."""
    item = signed_off_item(engagement, sign_off_status(engagement))
    return GateCheck(code=item.key, label=item.label, passed=item.met, detail=item.detail)


GATES: dict[tuple[str, str], list[Check]] = {
    (Phase.MAPPING, Phase.TRAINING): [process_map_ready],
    (Phase.TRAINING, Phase.DEPLOYMENT): [
        latest_round_meets_target,
        escalation_playbook_exists,
    ],
    (Phase.DEPLOYMENT, Phase.HANDOFF): [operator_named, skill_transfer_plan_exists],
    (Phase.HANDOFF, Phase.ADVISORY): [operator_ready, shadow_agreement_met, check_ins_kept],
    (Phase.ADVISORY, Phase.CLOSED): [stance_out, handoff_signed_off],
}


def register() -> None:
    """Install every gate into the lifecycle (idempotent; called from CompositionConfig.ready)."""
    for (from_phase, to_phase), checks in GATES.items():
        gate_register(from_phase=from_phase, to_phase=to_phase, checks=checks)
