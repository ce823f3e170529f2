"""Documented and actual steps of a process: create, update, delete, reorder."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import StateConflict
from maestro.mapping.models import Process, Step
from maestro.mapping.services.processes import MAPS_MANAGERS_ONLY
from maestro.tenancy.models import User

STEP_FIELDS = ["name", "actor", "system", "kind", "informal", "undocumented", "cadence"]


def _check_documented_step(*, process: Process, flow: str, documented_step: Step | None) -> None:
    if documented_step is None:
        return
    if flow != Step.Flow.ACTUAL:
        raise ValidationError(
            {"documented_step": [_("Only actual steps point to a documented step.")]}
        )
    if documented_step.process_id != process.pk or documented_step.flow != Step.Flow.DOCUMENTED:
        raise ValidationError(
            {"documented_step": [_("Choose a documented step of the same process.")]}
        )


@transaction.atomic
def step_create(
    *,
    process: Process,
    by: User,
    flow: str,
    name: str,
    documented_step: Step | None = None,
    **fields: Any,
) -> Step:
    """Appends the step at the end of its flow; use `step_reorder` to move it."""
    require_engagement_manager(by, process.engagement, message=MAPS_MANAGERS_ONLY)
    _check_documented_step(process=process, flow=flow, documented_step=documented_step)
    # Lock the process so two concurrent appends cannot take the same order.
    Process.objects.select_for_update().filter(pk=process.pk).first()
    last = Step.objects.filter(process=process, flow=flow).aggregate(m=Max("order"))["m"] or 0
    step = Step(
        process=process,
        flow=flow,
        order=last + 1,
        name=name,
        documented_step=documented_step,
        **fields,
    )
    step.full_clean()
    step.save()
    return step


@transaction.atomic
def step_update(*, step: Step, by: User, **changes: Any) -> Step:
    """Edits a step's content. Its flow is fixed and its order moves only by `step_reorder`."""
    require_engagement_manager(by, step.process.engagement, message=MAPS_MANAGERS_ONLY)
    if "documented_step" in changes:
        _check_documented_step(
            process=step.process, flow=step.flow, documented_step=changes["documented_step"]
        )
    for field, value in changes.items():
        setattr(step, field, value)
    step.full_clean()
    step.save()
    return step


def _renumber(*, process: Process, flow: str, ids: list[int]) -> None:
    # Two passes keep the (process, flow, order) unique constraint true after every
    # statement: first park every step above the current range, then write 1..n.
    steps = Step.objects.filter(process=process, flow=flow)
    offset = (steps.aggregate(m=Max("order"))["m"] or 0) + len(ids) + 1
    for position, pk in enumerate(ids, start=1):
        steps.filter(pk=pk).update(order=offset + position)
    for position, pk in enumerate(ids, start=1):
        steps.filter(pk=pk).update(order=position)


@transaction.atomic
def step_delete(*, step: Step, by: User) -> None:
    require_engagement_manager(by, step.process.engagement, message=MAPS_MANAGERS_ONLY)
    used_by = list(step.decision_points.select_related("decision_type"))
    if used_by:
        raise StateConflict(
            _(
                "“%(step)s” is a decision point (%(types)s); remove its decision points "
                "before deleting the step."
            )
            % {"step": step.name, "types": ", ".join(dp.decision_type.name for dp in used_by)},
            code="step_has_decision_points",
        )
    process, flow = step.process, step.flow
    Process.objects.select_for_update().filter(pk=process.pk).first()
    step.delete()
    remaining = list(
        Step.objects.filter(process=process, flow=flow)
        .order_by("order")
        .values_list("pk", flat=True)
    )
    _renumber(process=process, flow=flow, ids=remaining)


@transaction.atomic
def step_reorder(*, process: Process, by: User, flow: str, steps: list[int]) -> list[Step]:
    """Puts the flow's steps in the given order (1..n). `steps` must list every step of the
    flow exactly once, so a client working from a stale list is refused, not half-applied."""
    require_engagement_manager(by, process.engagement, message=MAPS_MANAGERS_ONLY)
    Process.objects.select_for_update().filter(pk=process.pk).first()
    current = set(Step.objects.filter(process=process, flow=flow).values_list("pk", flat=True))
    if len(steps) != len(set(steps)) or set(steps) != current:
        raise StateConflict(
            _(
                "The list must name each of the %(count)d %(flow)s steps of this process exactly "
                "once; reload the map and try again."
            )
            % {"count": len(current), "flow": flow},
            code="reorder_mismatch",
        )
    _renumber(process=process, flow=flow, ids=steps)
    return list(Step.objects.filter(process=process, flow=flow).order_by("order"))
