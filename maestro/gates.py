"""The lifecycle's gate checks: what each forward move of an engagement asks for.

They read the apps above engagements (maps, training rounds, playbooks, the client's people), so
they live at the top (composition) layer; `maestro.composition` registers them into
`maestro.engagements.lifecycle` at startup (`register`). Checks whose data does not exist yet
in Maestro (skill-transfer plans, check-ins, sign-offs) fail closed with a message saying so;
the issues that add that data replace them here.
"""

from django.utils.translation import gettext as _

from maestro.engagements.lifecycle import Check, GateCheck, gate_register
from maestro.engagements.models import Engagement, Phase
from maestro.engagements.scoping import people_at
from maestro.mapping.models import DecisionPoint, Process, Step
from maestro.playbooks.models import PlaybookVersion
from maestro.tenancy.models import Membership
from maestro.training.selectors import gate_criteria_results


def _not_checkable_yet(code: str, label: str, arrives_with: str) -> Check:
    def check(engagement: Engagement) -> GateCheck:
        return GateCheck(
            code=code,
            label=label,
            passed=False,
            detail=_("Cannot be checked yet: Maestro does not record %(what)s so far.")
            % {"what": arrives_with},
        )

    return check


def operator_named(engagement: Engagement) -> GateCheck:
    operators = [
        user.get_username()
        for user in people_at(engagement.client_id, [Membership.Role.OPERATOR]).order_by("username")
    ]
    if operators:
        detail = _("Operator(s) of %(client)s: %(names)s.") % {
            "client": engagement.client.name,
            "names": ", ".join(operators),
        }
    else:
        detail = _(
            "%(client)s has no active operator yet; add one as a member with the operator role."
        ) % {"client": engagement.client.name}
    return GateCheck(
        code="operator_named",
        label=_("An operator is named"),
        passed=bool(operators),
        detail=detail,
    )


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


GATES: dict[tuple[str, str], list[Check]] = {
    (Phase.MAPPING, Phase.TRAINING): [process_map_ready],
    (Phase.TRAINING, Phase.DEPLOYMENT): [
        latest_round_meets_target,
        escalation_playbook_exists,
    ],
    (Phase.DEPLOYMENT, Phase.HANDOFF): [
        operator_named,
        _not_checkable_yet(
            "skill_transfer_plan_exists",
            _("A skill-transfer plan exists"),
            _("skill-transfer plans"),
        ),
    ],
    (Phase.HANDOFF, Phase.ADVISORY): [
        _not_checkable_yet(
            "operator_ready",
            _("The operator's readiness meets the plan's bar"),
            _("check-ins and competency sign-offs"),
        ),
    ],
    (Phase.ADVISORY, Phase.CLOSED): [
        _not_checkable_yet(
            "handoff_signed_off",
            _("The handoff document is signed off"),
            _("handoff sign-offs"),
        ),
    ],
}


def register() -> None:
    """Install every gate into the lifecycle (idempotent; called from CompositionConfig.ready)."""
    for (from_phase, to_phase), checks in GATES.items():
        gate_register(from_phase=from_phase, to_phase=to_phase, checks=checks)
