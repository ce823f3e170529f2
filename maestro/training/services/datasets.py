"""Evaluation datasets and their cases."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor, audit_record
from maestro.engagements.scoping import require_engagement_manager
from maestro.mapping.models import Process
from maestro.tenancy.models import User
from maestro.training import hooks, importers
from maestro.training.models import (
    EvaluationCase,
    EvaluationDataset,
    StagedCase,
    TrainingRound,
)
from maestro.training.services.staging import BATCH_SIZE, Progress, staged_import

# What a write by anyone but the engagement's consultants is refused with.
TRAINING_MANAGERS_ONLY = gettext_lazy(
    "Only the engagement's consultants can change its training data."
)


# Who the audit trail names for an import nobody signed in started (a management command).
IMPORT_JOB = "training import"


def import_record(
    event: AuditEvent,
    *,
    target: EvaluationDataset | TrainingRound,
    process: Process,
    by: User | None,
    actor: Actor | User | None,
    data: dict,
) -> None:
    """An import's entry, in the transaction that moves its rows in. The actor is the person
    who started it: `by` for an import run on their behalf, `actor` for one the worker runs
    (by=None: it checks no permission, the upload already did)."""
    engagement = process.engagement
    audit_record(
        event,
        actor=by or actor or Actor.system(IMPORT_JOB),
        client=engagement.client_id,
        engagement=engagement,
        target=target,
        data=data,
    )


def dataset_create(*, process: Process, name: str, by: User) -> EvaluationDataset:
    require_engagement_manager(by, process.engagement, message=TRAINING_MANAGERS_ONLY)
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("A dataset needs a name.")]})
    if EvaluationDataset.objects.filter(process=process, name__iexact=name).exists():
        raise ValidationError(
            {"name": [_("This process already has a dataset named “%(name)s”.") % {"name": name}]}
        )
    return EvaluationDataset.objects.create(process=process, name=name)


def dataset_import_cases(
    *,
    dataset: EvaluationDataset,
    path: importers.Source,
    fmt: str,
    by: User | None,
    actor: Actor | User | None = None,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> int:
    """Add the file's cases in one parse: batches are staged as rows validate, then moved in.

    `by=None` is the system (import job, management command, demo), which checks no
    permission; `actor` is then who the audit trail names. Raises ImportFailed; nothing
    written."""
    if by is not None:
        require_engagement_manager(by, dataset.process.engagement, message=TRAINING_MANAGERS_ONLY)
    taken = set(EvaluationCase.objects.filter(dataset=dataset).values_list("case_ref", flat=True))

    def refuse_clashes(stage: int) -> None:
        # Another import may have added some of these refs since `taken` was read.
        clashes = list(
            StagedCase.objects.filter(
                stage=stage,
                case_ref__in=EvaluationCase.objects.filter(dataset=dataset).values("case_ref"),
            ).values_list("case_ref", flat=True)[: importers.MAX_ERRORS]
        )
        if clashes:
            raise importers.ImportFailed(
                [
                    f"case_ref: '{ref}' "
                    + _("is already in this dataset (added while this file was imported)")
                    for ref in clashes
                ]
            )

    def refuse_clashes_and_announce(stage: int) -> None:
        refuse_clashes(stage)
        # In the move's transaction: the layers above learn the file's counterparties
        # (maestro.playbooks makes them known to routing) with the cases, or not at all.
        hooks.cases_imported(
            dataset=dataset,
            counterparties=StagedCase.objects.filter(stage=stage)
            .exclude(counterparty="")
            .values_list("counterparty", flat=True)
            .order_by()
            .distinct(),
        )

    return staged_import(
        staged_model=StagedCase,
        model=EvaluationCase,
        staged_row=lambda stage, cleaned: {"stage": stage, "dataset_id": dataset.pk, **cleaned},
        before_move=refuse_clashes_and_announce,
        path=path,
        fmt=fmt,
        required=importers.CASE_REQUIRED,
        clean=importers.clean_case,
        batch_size=batch_size,
        taken_refs=taken,
        on_progress=on_progress,
        on_moved=lambda rows: import_record(
            AuditEvent.DATASET_IMPORTED,
            target=dataset,
            process=dataset.process,
            by=by,
            actor=actor,
            data={"rows": rows, "file_format": fmt},
        ),
    )
