"""Playbook dry runs as background jobs: a 100,000-case round takes seconds to route, so the
page and the API queue a DryRunJob, a Celery worker runs it, and both show its progress.

Unlike training imports (maestro.training.progress), the routing writes nothing and runs
outside any transaction, so the worker reports progress on the job row itself: each update
commits at once and the job page reads it from there.
"""

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, FilteredRelation, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maestro.engagements.scoping import require_engagement_worker
from maestro.exceptions import DomainError
from maestro.lib.jobs import job_claim, job_finish, job_progress, jobs_recover
from maestro.mapping.models import Process
from maestro.playbooks.models import DryRunJob, KnownCounterparty, PlaybookVersion
from maestro.playbooks.routing import HUMAN, REASON_LABELS, CompiledPlaybook, DecisionFacts, route
from maestro.playbooks.selectors import (
    playbook_compile,
    playbook_compiled_for_process,
    playbook_version_current,
)
from maestro.tenancy.models import User
from maestro.training.models import EvaluationCase, TrainingRound

NO_OUTPUT = "no_output"
# How often a dry run reports its progress: often enough for a bar, rarely enough to cost
# nothing next to the routing (20 reports for 100,000 cases).
PROGRESS_EVERY = 5000
DRY_RUN_WORKERS_ONLY = gettext_lazy(
    "Sponsors read the playbook; its dry runs are started by the engagement's consultants and "
    "the client's operators."
)

log = logging.getLogger(__name__)


@dataclass
class DryRunResult:
    version_number: int
    round_id: int
    cases: int = 0
    human: int = 0
    auto: int = 0
    auto_correct: int = 0
    # Reason code → number of cases it escalated (a case with two reasons counts for both).
    reason_counts: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DryRunResult":
        return cls(**data)

    @property
    def human_share(self) -> float | None:
        return round(100.0 * self.human / self.cases, 2) if self.cases else None

    @property
    def auto_share(self) -> float | None:
        return round(100.0 * self.auto / self.cases, 2) if self.cases else None

    @property
    def auto_accuracy(self) -> float | None:
        return round(100.0 * self.auto_correct / self.auto, 2) if self.auto else None

    @property
    def reasons(self) -> list[dict[str, Any]]:
        """Most frequent first; ties in the engine's reason order."""
        order = list(REASON_LABELS)
        rows = sorted(
            self.reason_counts.items(),
            key=lambda item: (-item[1], order.index(item[0]) if item[0] in order else 99),
        )
        return [
            {
                "code": code,
                "label": REASON_LABELS.get(code, code),
                "count": count,
                "share": round(100.0 * count / self.cases, 2) if self.cases else None,
            }
            for code, count in rows
        ]


def no_playbook_error() -> DomainError:
    return DomainError(
        _("This process has no escalation playbook yet; save one before a dry run."),
        code="no_playbook",
    )


def playbook_dry_run(
    *,
    training_round: TrainingRound,
    version: PlaybookVersion | None = None,
    compiled: CompiledPlaybook | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> DryRunResult:
    """Route every case of the round's dataset as if it arrived live, with the round's output
    as the agent's proposal. A case without an output goes to a human (reason no_output), as
    in the training threshold sweep. "Seen before" counterparties start from the process's
    known counterparties and grow in decided_at order (then case order), as they would live.

    Streams the rows (one query) so memory stays flat for 100k cases; only the set of
    counterparty names seen grows. `progress`, if given, is called with the number of cases
    routed so far after every `progress_every` cases (dry_run_job_run shows it).
    """
    process = Process.objects.select_related("engagement").get(
        datasets__pk=training_round.dataset_id
    )
    if version is not None:
        if version.playbook.process_id != process.pk:
            raise DomainError(
                _("That playbook version belongs to another process."), code="wrong_process"
            )
        compiled = playbook_compile(version=version, engagement_id=process.engagement_id)
    if compiled is None:
        compiled = playbook_compiled_for_process(process=process)
    if compiled is None:
        raise no_playbook_error()
    known = set(KnownCounterparty.objects.filter(process=process).values_list("name", flat=True))
    result = DryRunResult(version_number=compiled.number, round_id=training_round.pk)
    counts = result.reason_counts
    rows = (
        EvaluationCase.objects.filter(dataset_id=training_round.dataset_id)
        .annotate(out=FilteredRelation("outputs", condition=Q(outputs__round=training_round)))
        .order_by(F("decided_at").asc(nulls_last=True), "id")
        .values_list(
            "decision_type",
            "category",
            "amount",
            "currency",
            "counterparty",
            "correct_outcome",
            "out__predicted_outcome",
            "out__confidence",
        )
    )
    for (
        type_name,
        category,
        amount,
        currency,
        counterparty,
        correct,
        predicted,
        conf,
    ) in rows.iterator(chunk_size=2000):
        result.cases += 1
        if predicted is None:
            result.human += 1
            counts[NO_OUTPUT] = counts.get(NO_OUTPUT, 0) + 1
        else:
            facts = DecisionFacts(
                decision_type=type_name or None,
                category=category,
                confidence=Decimal(str(conf)),
                amount=amount,
                currency=currency,
                counterparty=counterparty,
            )
            routing = route(compiled, facts, known_counterparties=known, explain=False)
            if routing.route == HUMAN:
                result.human += 1
                for reason in routing.reasons:
                    counts[reason.code] = counts.get(reason.code, 0) + 1
            else:
                result.auto += 1
                result.auto_correct += predicted == correct
        if counterparty:
            known.add(counterparty)
        if progress is not None and result.cases % progress_every == 0:
            progress(result.cases)
    return result


def dry_run_job_create(
    *,
    process: Process,
    training_round: TrainingRound,
    version: PlaybookVersion | None,
    by: User,
) -> DryRunJob:
    """Queue a dry run of `version` (default: the newest) over a round of `process`. The
    engagement's workers (its consultants and the client's operators) may ask for one; sponsors
    only read (NotPermitted, code `read_only`). Callers scope `process` to the user. The task
    is sent once the job row commits."""
    from maestro.playbooks.tasks import (
        dry_run_job_run_task,  # lazy: the task module imports this one
    )

    require_engagement_worker(
        by, process.engagement, message=DRY_RUN_WORKERS_ONLY, code="read_only"
    )

    if version is None:
        version = playbook_version_current(process=process)
        if version is None:
            raise no_playbook_error()
    if {training_round.dataset.process_id, version.playbook.process_id} != {process.pk}:
        raise DomainError(
            _("The training round and the playbook version must belong to this process."),
            code="wrong_process",
        )
    with transaction.atomic():
        job = DryRunJob.objects.create(
            version=version,
            training_round=training_round,
            requested_by=by,
            cases_total=EvaluationCase.objects.filter(dataset_id=training_round.dataset_id).count(),
        )
        transaction.on_commit(lambda: dry_run_job_run_task.delay(job.pk))
    return job


def dry_run_job_run(*, job_id: int, progress_every: int = PROGRESS_EVERY) -> DryRunJob | None:
    """Run a queued job once. A redelivered task finds it no longer queued and returns None,
    so a finished job is never redone. A DomainError fails the job with its message; any
    other error fails it with a generic one and is re-raised for the error tracker."""
    if not job_claim(DryRunJob, job_id=job_id):
        return None
    job = DryRunJob.objects.select_related("version__playbook", "training_round").get(pk=job_id)

    def progress(cases: int) -> None:
        job_progress(DryRunJob, job_id=job_id, cases_done=cases)

    succeeded = False
    outcome: dict[str, Any] = {
        "error": _("The dry run stopped on an unexpected error; run it again."),
    }
    try:
        result = playbook_dry_run(
            training_round=job.training_round,
            version=job.version,
            progress=progress,
            progress_every=progress_every,
        )
        succeeded = True
        outcome = {
            "error": "",
            "result": result.as_json(),
            "cases_done": result.cases,
            "cases_total": result.cases,
        }
    except DomainError as exc:
        outcome["error"] = exc.message[:500]
    finally:
        job_finish(DryRunJob, job_id=job_id, succeeded=succeeded, **outcome)
        log.info("dry run job %s: %s", job_id, "succeeded" if succeeded else "failed")
    job.refresh_from_db()
    return job


def dry_run_job_result(*, job: DryRunJob) -> DryRunResult | None:
    return DryRunResult.from_json(job.result) if job.result is not None else None


def dry_run_jobs_recover(*, now: datetime | None = None) -> tuple[int, int]:
    """Periodic clean-up of the dry runs a worker lost (maestro.lib.jobs.jobs_recover);
    returns (failed, sent again). A job still running a minute past the task's hard time
    limit is failed with an explanation; a job queued for ten minutes is sent again (running
    claims the queued job first, so a duplicate message runs nothing twice)."""
    from maestro.playbooks.tasks import dry_run_job_run_task

    return jobs_recover(
        DryRunJob,
        send=dry_run_job_run_task.delay,
        failed_fields={
            "error": _(
                "The worker running this dry run stopped before it finished (it was restarted, "
                "ran out of memory or went over its time limit); run it again."
            )
        },
        now=now,
    )
