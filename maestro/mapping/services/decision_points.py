"""Decision points: which decision type is taken at which step."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from maestro.engagements.scoping import require_engagement_manager
from maestro.mapping.models import DecisionPoint, DecisionType, Step
from maestro.mapping.services.processes import MAPS_MANAGERS_ONLY
from maestro.tenancy.models import User


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
    require_engagement_manager(by, step.process.engagement, message=MAPS_MANAGERS_ONLY)
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
    require_engagement_manager(by, point.step.process.engagement, message=MAPS_MANAGERS_ONLY)
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
    require_engagement_manager(by, point.step.process.engagement, message=MAPS_MANAGERS_ONLY)
    point.delete()
