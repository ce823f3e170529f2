"""Writes on process maps. Only the engagement's consultants (can_manage_engagement) write."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import StateConflict
from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from maestro.tenancy.models import User

PROCESS_FIELDS = ["name", "description", "volume_per_day", "minutes_per_case", "owner_team"]
STEP_FIELDS = ["name", "actor", "system", "kind", "informal", "undocumented", "cadence"]
DECISION_TYPE_FIELDS = [
    "name",
    "description",
    "autonomy",
    "confidence_threshold",
    "exposure_amount",
    "exposure_currency",
    "compliance",
    "reputational_note",
]


def _require_manage(by: User, engagement: Engagement) -> None:
    require_engagement_manager(
        by, engagement, message=_("Only the engagement's consultants can change its process maps.")
    )


def _check_process_name_free(
    *, engagement: Engagement, name: str, exclude_pk: int | None = None
) -> None:
    clash = Process.objects.filter(engagement=engagement, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "name": [
                    _("This engagement already has a process named “%(name)s”.") % {"name": name}
                ]
            }
        )


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
def process_create(*, engagement: Engagement, by: User, name: str, **fields: Any) -> Process:
    _require_manage(by, engagement)
    _check_process_name_free(engagement=engagement, name=name)
    process = Process(engagement=engagement, name=name, **fields)
    process.full_clean()
    process.save()
    return process


@transaction.atomic
def process_update(*, process: Process, by: User, **changes: Any) -> Process:
    _require_manage(by, process.engagement)
    if "name" in changes:
        _check_process_name_free(
            engagement=process.engagement, name=changes["name"], exclude_pk=process.pk
        )
    for field, value in changes.items():
        setattr(process, field, value)
    process.full_clean()
    process.save()
    return process


def _check_process_deletable(process: Process) -> None:
    # Live decisions are the deployment's record (PROTECT would make the delete a 500), and a
    # playbook's versions are what routed them: both must be removed on purpose, not as a
    # side effect of deleting the map.
    decisions = process.decisions.count()
    if decisions:
        raise StateConflict(
            _(
                "“%(name)s” has %(count)d live decision(s) from the agent; a process with "
                "decisions cannot be deleted."
            )
            % {"name": process.name, "count": decisions},
            code="process_has_decisions",
        )
    if Process.objects.filter(pk=process.pk, playbook__isnull=False).exists():
        raise StateConflict(
            _("“%(name)s” has an escalation playbook; a process with a playbook cannot be deleted.")
            % {"name": process.name},
            code="process_has_playbook",
        )


@transaction.atomic
def process_delete(*, process: Process, by: User) -> None:
    """Deletes the whole map: its decision points, its steps and its training datasets.
    Decision types stay, since they belong to the engagement and other processes may use them.
    Refused (StateConflict) while the process has live decisions or an escalation playbook."""
    _require_manage(by, process.engagement)
    # Lock the row: a decision inserted meanwhile waits for it (PostgreSQL's foreign key
    # check), so it cannot slip in between the check and the delete.
    Process.objects.select_for_update().filter(pk=process.pk).first()
    _check_process_deletable(process)
    DecisionPoint.objects.filter(step__process=process).delete()
    Step.objects.filter(process=process, flow=Step.Flow.ACTUAL).delete()
    process.delete()


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
    _require_manage(by, process.engagement)
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
    _require_manage(by, step.process.engagement)
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
    _require_manage(by, step.process.engagement)
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
    _require_manage(by, process.engagement)
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


def _check_decision_type_name_free(
    *, engagement: Engagement, name: str, exclude_pk: int | None = None
) -> None:
    clash = DecisionType.objects.filter(engagement=engagement, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "name": [
                    _("This engagement already has a decision type named “%(name)s”.")
                    % {"name": name}
                ]
            }
        )


def _check_calibration(decision_type: DecisionType) -> None:
    errors: dict[str, list[str]] = {}
    review = decision_type.autonomy == DecisionType.Autonomy.REVIEW_BELOW_THRESHOLD
    if review and decision_type.confidence_threshold is None:
        errors["confidence_threshold"] = [
            _("Review below threshold needs a default confidence threshold (0–1).")
        ]
    if not review and decision_type.confidence_threshold is not None:
        errors["confidence_threshold"] = [
            _("Only review below threshold uses a confidence threshold.")
        ]
    if decision_type.exposure_amount is not None and decision_type.exposure_amount < 0:
        errors["exposure_amount"] = [_("The financial exposure cannot be negative.")]
    if decision_type.exposure_amount is not None and not decision_type.exposure_currency:
        errors["exposure_currency"] = [_("A financial exposure needs its currency.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decision_type_create(
    *, engagement: Engagement, by: User, name: str, **fields: Any
) -> DecisionType:
    _require_manage(by, engagement)
    _check_decision_type_name_free(engagement=engagement, name=name)
    decision_type = DecisionType(engagement=engagement, name=name, **fields)
    decision_type.exposure_currency = decision_type.exposure_currency.upper()
    _check_calibration(decision_type)
    decision_type.full_clean()
    decision_type.save()
    return decision_type


@transaction.atomic
def decision_type_update(*, decision_type: DecisionType, by: User, **changes: Any) -> DecisionType:
    _require_manage(by, decision_type.engagement)
    if "name" in changes:
        _check_decision_type_name_free(
            engagement=decision_type.engagement, name=changes["name"], exclude_pk=decision_type.pk
        )
    for field, value in changes.items():
        setattr(decision_type, field, value)
    decision_type.exposure_currency = decision_type.exposure_currency.upper()
    _check_calibration(decision_type)
    decision_type.full_clean()
    decision_type.save()
    return decision_type


@transaction.atomic
def decision_type_delete(*, decision_type: DecisionType, by: User) -> None:
    _require_manage(by, decision_type.engagement)
    count = decision_type.decision_points.count()
    if count:
        raise StateConflict(
            _("“%(name)s” is used by %(count)d decision point(s); remove them first.")
            % {"name": decision_type.name, "count": count},
            code="decision_type_in_use",
        )
    decisions = decision_type.decisions.count()
    if decisions:
        raise StateConflict(
            _("“%(name)s” is the type of %(count)d live decision(s); it cannot be deleted.")
            % {"name": decision_type.name, "count": decisions},
            code="decision_type_has_decisions",
        )
    decision_type.delete()


def _check_decision_point(*, step: Step, decision_type: DecisionType) -> None:
    errors: dict[str, list[str]] = {}
    if step.flow != Step.Flow.ACTUAL:
        errors["step"] = [_("Decision points belong on steps of the actual map.")]
    if decision_type.engagement_id != step.process.engagement_id:
        errors["decision_type"] = [_("Choose a decision type of the same engagement.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decision_point_create(
    *,
    step: Step,
    by: User,
    decision_type: DecisionType,
    inputs: list[str] | None = None,
    outcomes: list[str] | None = None,
) -> DecisionPoint:
    _require_manage(by, step.process.engagement)
    _check_decision_point(step=step, decision_type=decision_type)
    if DecisionPoint.objects.filter(step=step, decision_type=decision_type).exists():
        raise ValidationError(
            {"decision_type": [_("This step already has a decision point of this type.")]}
        )
    point = DecisionPoint(
        step=step, decision_type=decision_type, inputs=inputs or [], outcomes=outcomes or []
    )
    point.full_clean()
    point.save()
    return point


@transaction.atomic
def decision_point_update(*, point: DecisionPoint, by: User, **changes: Any) -> DecisionPoint:
    _require_manage(by, point.step.process.engagement)
    if "decision_type" in changes:
        _check_decision_point(step=point.step, decision_type=changes["decision_type"])
        clash = DecisionPoint.objects.filter(
            step=point.step, decision_type=changes["decision_type"]
        ).exclude(pk=point.pk)
        if clash.exists():
            raise ValidationError(
                {"decision_type": [_("This step already has a decision point of this type.")]}
            )
    for field, value in changes.items():
        setattr(point, field, value)
    point.full_clean()
    point.save()
    return point


@transaction.atomic
def decision_point_delete(*, point: DecisionPoint, by: User) -> None:
    _require_manage(by, point.step.process.engagement)
    point.delete()


@transaction.atomic
def process_map_import(*, engagement: Engagement, by: User, document: dict) -> Process:
    """Creates a process with both step lists and its decision points from an exported map
    (already shape-checked by the caller). Decision types are matched by name: an existing one
    must have the same calibration, a missing one is created. Everything is checked before the
    first write, and the transaction means a late failure leaves nothing behind either."""
    _require_manage(by, engagement)
    errors: dict[str, list[str]] = {}
    name = document["process"]["name"]
    if Process.objects.filter(engagement=engagement, name__iexact=name).exists():
        errors["process.name"] = [
            _("This engagement already has a process named “%(name)s”.") % {"name": name}
        ]
    existing = {dt.name: dt for dt in DecisionType.objects.filter(engagement=engagement)}
    types: dict[str, DecisionType] = {}
    for i, data in enumerate(document["decision_types"]):
        current = existing.get(data["name"])
        if current is None:
            candidate = DecisionType(engagement=engagement, **data)
            try:
                _check_calibration(candidate)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors[f"decision_types[{i}].{field}"] = messages
            types[data["name"]] = candidate
        elif {f: getattr(current, f) for f in data} != data:
            errors[f"decision_types[{i}]"] = [
                _(
                    "The engagement already has a decision type named “%(name)s” with a "
                    "different calibration; rename one of them."
                )
                % {"name": data["name"]}
            ]
        else:
            types[data["name"]] = current
    known = {data["name"] for data in document["decision_types"]}
    for i, data in enumerate(document["actual_steps"]):
        ref = data["documented_step"]
        if ref is not None and not 1 <= ref <= len(document["documented_steps"]):
            errors[f"actual_steps[{i}].documented_step"] = [
                _("There is no documented step number %(ref)d.") % {"ref": ref}
            ]
        for j, point in enumerate(data["decision_points"]):
            if point["decision_type"] not in known:
                errors[f"actual_steps[{i}].decision_points[{j}].decision_type"] = [
                    _("“%(name)s” is not among the map's decision_types.")
                    % {"name": point["decision_type"]}
                ]
    if errors:
        raise ValidationError(errors)

    process = Process(engagement=engagement, **document["process"])
    process.full_clean()
    process.save()
    for decision_type in types.values():
        if decision_type.pk is None:
            decision_type.full_clean()
            decision_type.save()
    documented = []
    for order, data in enumerate(document["documented_steps"], start=1):
        step = Step(process=process, flow=Step.Flow.DOCUMENTED, order=order, **data)
        step.save()
        documented.append(step)
    for order, data in enumerate(document["actual_steps"], start=1):
        data = dict(data)
        points = data.pop("decision_points")
        ref = data.pop("documented_step")
        step = Step(
            process=process,
            flow=Step.Flow.ACTUAL,
            order=order,
            documented_step=documented[ref - 1] if ref else None,
            **data,
        )
        step.save()
        for point in points:
            DecisionPoint.objects.create(
                step=step,
                decision_type=types[point["decision_type"]],
                inputs=point["inputs"],
                outcomes=point["outcomes"],
            )
    return process
