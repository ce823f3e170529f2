"""Training rounds: agent outputs, failure reviews, and the engagement's gate criteria."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.tenancy.models import User
from maestro.training import importers
from maestro.training.models import (
    AgentOutput,
    EvaluationCase,
    EvaluationDataset,
    FailureReview,
    GateCriteria,
    StagedOutput,
    TrainingRound,
)
from maestro.training.services.datasets import TRAINING_MANAGERS_ONLY, import_record
from maestro.training.services.staging import BATCH_SIZE, Progress, staged_import


def round_create(
    *, dataset: EvaluationDataset, round_date: date, what_changed: str, by: User | None
) -> TrainingRound:
    if by is not None:
        require_engagement_manager(by, dataset.process.engagement, message=TRAINING_MANAGERS_ONLY)
    with transaction.atomic():
        # Lock the dataset row so two creations do not pick the same number.
        EvaluationDataset.objects.select_for_update().filter(pk=dataset.pk).first()
        last = TrainingRound.objects.filter(dataset=dataset).aggregate(n=Max("number"))["n"]
        return TrainingRound.objects.create(
            dataset=dataset, number=(last or 0) + 1, date=round_date, what_changed=what_changed
        )


def round_import_outputs(
    *,
    training_round: TrainingRound,
    path: importers.Source,
    fmt: str,
    by: User | None,
    actor: Actor | User | None = None,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> int:
    """Replace the round's outputs with the file's. Unknown or duplicate case refs are errors;
    cases without an output count as failures. `by` and `actor` as for dataset_import_cases."""
    if by is not None:
        require_engagement_manager(
            by, training_round.dataset.process.engagement, message=TRAINING_MANAGERS_ONLY
        )
    case_ids = dict(
        EvaluationCase.objects.filter(dataset_id=training_round.dataset_id).values_list(
            "case_ref", "id"
        )
    )
    unknown = _("is not a case of this dataset")

    replaced = 0

    def drop_old_outputs(stage: int) -> None:
        nonlocal replaced
        replaced = AgentOutput.objects.filter(round=training_round).delete()[0]

    def drop_fixed_failure_tags() -> None:
        # A failure tag explains a miss; once the new outputs get that case right it would
        # only skew the causes chart.
        FailureReview.objects.filter(
            round=training_round,
            case__outputs__round=training_round,
            case__outputs__predicted_outcome=F("case__correct_outcome"),
        ).delete()

    return staged_import(
        staged_model=StagedOutput,
        model=AgentOutput,
        staged_row=lambda stage, cleaned: {
            "stage": stage,
            "round_id": training_round.pk,
            "case_id": case_ids[cleaned["case_ref"]],
            "predicted_outcome": cleaned["predicted_outcome"],
            "confidence": cleaned["confidence"],
        },
        before_move=drop_old_outputs,
        after_move=drop_fixed_failure_tags,
        path=path,
        fmt=fmt,
        required=importers.OUTPUT_REQUIRED,
        clean=importers.clean_output,
        batch_size=batch_size,
        check_ref=lambda ref: None if ref in case_ids else unknown,
        on_progress=on_progress,
        on_moved=lambda rows: import_record(
            AuditEvent.ROUND_IMPORTED,
            target=training_round,
            process=training_round.dataset.process,
            by=by,
            actor=actor,
            data={"rows": rows, "replaced": replaced, "file_format": fmt},
        ),
    )


def failure_review_set(
    *, training_round: TrainingRound, case: EvaluationCase, cause: str, note: str, by: User
) -> FailureReview:
    require_engagement_manager(
        by, training_round.dataset.process.engagement, message=TRAINING_MANAGERS_ONLY
    )
    if case.dataset_id != training_round.dataset_id:
        raise ValidationError({"case": [_("This case is not in the round's dataset.")]})
    if cause not in FailureReview.Cause.values:
        raise ValidationError({"cause": [_("Unknown cause.")]})
    output = AgentOutput.objects.filter(round=training_round, case=case).first()
    if output is not None and output.predicted_outcome == case.correct_outcome:
        raise ValidationError({"case": [_("The agent got this case right in this round.")]})
    review, _created = FailureReview.objects.update_or_create(
        round=training_round,
        case=case,
        defaults={"cause": cause, "note": note, "reviewed_by": by},
    )
    return review


def gate_criteria_set(
    *,
    engagement: Engagement,
    category_minimums: dict[str, float | Decimal],
    critical_categories: list[str],
    max_critical_misses: int,
    by: User,
) -> GateCriteria:
    """Minimums are percent (the API reads them as fractions and converts them)."""
    require_engagement_manager(by, engagement, message=TRAINING_MANAGERS_ONLY)
    errors: dict[str, list[str]] = {}
    for category, minimum in category_minimums.items():
        if not isinstance(minimum, int | float | Decimal) or isinstance(minimum, bool):
            errors.setdefault("category_minimums", []).append(
                _("%(category)s: the minimum must be a number.") % {"category": category}
            )
        elif not 0 <= minimum <= 100:
            errors.setdefault("category_minimums", []).append(
                _("%(category)s: the minimum must be between 0 and 100.") % {"category": category}
            )
    if max_critical_misses < 0:
        errors["max_critical_misses"] = [_("Cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    criteria, _created = GateCriteria.objects.update_or_create(
        engagement=engagement,
        defaults={
            "category_minimums": {k.strip(): float(v) for k, v in category_minimums.items()},
            "critical_categories": sorted({c.strip() for c in critical_categories if c.strip()}),
            "max_critical_misses": max_critical_misses,
        },
    )
    return criteria
