"""Importing a whole process map (steps, decision types and points) from one document."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from maestro.mapping.services.decision_types import _check_calibration
from maestro.mapping.services.processes import MAPS_MANAGERS_ONLY
from maestro.tenancy.models import User


@transaction.atomic
def process_map_import(*, engagement: Engagement, by: User, document: dict) -> Process:
    """Creates a process with both step lists and its decision points from an exported map
    (already shape-checked by the caller). Decision types are matched by name: an existing one
    must have the same calibration, a missing one is created. Everything is checked before the
    first write, and the transaction means a late failure leaves nothing behind either."""
    require_engagement_manager(by, engagement, message=MAPS_MANAGERS_ONLY)
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
