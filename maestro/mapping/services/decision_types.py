"""Decision types of an engagement, with their calibration rules."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import StateConflict
from maestro.mapping.models import DecisionType
from maestro.mapping.services.processes import MAPS_MANAGERS_ONLY
from maestro.tenancy.models import User

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
    require_engagement_manager(by, engagement, message=MAPS_MANAGERS_ONLY)
    _check_decision_type_name_free(engagement=engagement, name=name)
    decision_type = DecisionType(engagement=engagement, name=name, **fields)
    decision_type.exposure_currency = decision_type.exposure_currency.upper()
    _check_calibration(decision_type)
    decision_type.full_clean()
    decision_type.save()
    return decision_type


@transaction.atomic
def decision_type_update(*, decision_type: DecisionType, by: User, **changes: Any) -> DecisionType:
    require_engagement_manager(by, decision_type.engagement, message=MAPS_MANAGERS_ONLY)
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
    require_engagement_manager(by, decision_type.engagement, message=MAPS_MANAGERS_ONLY)
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
