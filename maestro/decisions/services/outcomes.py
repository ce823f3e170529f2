"""The confirmed outcome of a live decision (from its review task or from agent feedback)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement
from maestro.exceptions import DomainError, StateConflict
from maestro.tenancy.models import User


def _same_outcome(a: str, b: str) -> bool:
    # "Approve" and "approve " are the same outcome; agents and people differ in casing.
    return a.strip().casefold() == b.strip().casefold()


@transaction.atomic
def decision_outcome_record(
    *, decision: Decision, outcome: str, source: str, by: User | None
) -> Decision:
    """Record the confirmed outcome of a decision (from its review task or from feedback).

    A decision has one confirmed outcome. Sending the same outcome again is a no-op; a
    different one after an outcome is recorded is StateConflict `outcome_already_recorded`.
    The conditional update makes the first of two concurrent writers win.
    `by` is the resolving user (None for agent feedback); kept for the audit trail callers write.
    """
    outcome = outcome.strip()
    now = timezone.now()
    overridden = not _same_outcome(outcome, decision.proposed_outcome)
    won = Decision.objects.filter(pk=decision.pk, outcome_source="").update(
        final_outcome=outcome, outcome_source=source, outcome_at=now, overridden=overridden
    )
    if won:
        decision.final_outcome, decision.outcome_source = outcome, source
        decision.outcome_at, decision.overridden = now, overridden
        return decision
    current = Decision.objects.only(
        "final_outcome", "outcome_source", "outcome_at", "overridden"
    ).get(pk=decision.pk)
    decision.final_outcome, decision.outcome_source = current.final_outcome, current.outcome_source
    decision.outcome_at, decision.overridden = current.outcome_at, current.overridden
    if current.outcome_source == source and _same_outcome(current.final_outcome, outcome):
        return decision
    if current.outcome_source == Decision.OutcomeSource.REVIEW:
        message = _("A reviewer already recorded the outcome “%(outcome)s” for this decision.")
    else:
        message = _("The outcome “%(outcome)s” was already recorded for this decision.")
    raise StateConflict(
        message % {"outcome": current.final_outcome},
        code="outcome_already_recorded",
        extra={
            "recorded_outcome": current.final_outcome,
            "outcome_source": current.outcome_source,
        },
    )


class DecisionNotFound(DomainError):
    status_code = 404


@dataclass
class FeedbackResult:
    decision: Decision | None = None
    error: DomainError | None = None


def _feedback_one(decision: Decision | None, item: Mapping[str, Any]) -> Decision:
    if decision is None:
        raise DecisionNotFound(
            _("No decision with case ref “%(case_ref)s” for process %(process)s was received.")
            % {"case_ref": item["case_ref"], "process": item["process"]},
            code="unknown_decision",
        )
    task = (
        getattr(decision, "review_task", None) if decision.route == Decision.Route.HUMAN else None
    )
    if decision.route == Decision.Route.HUMAN and not decision.outcome_source:
        if task is not None and task.status == "open":
            raise StateConflict(
                _(
                    "This decision went to a human and its review task is still open; the "
                    "reviewer's outcome will be recorded when it is resolved."
                ),
                code="decision_under_review",
                extra={"review_task": task.pk},
            )
    return decision_outcome_record(
        decision=decision, outcome=item["outcome"], source=Decision.OutcomeSource.FEEDBACK, by=None
    )


def decision_outcomes_feedback(
    *, engagement: Engagement, items: Sequence[Mapping[str, Any]], is_test: bool = False
) -> list[FeedbackResult]:
    """Record the true outcomes the agent's system learned later (for auto-routed decisions,
    so their accuracy can be scored). One result per item; a refused item carries its error
    (unknown_decision 404, decision_under_review 409, outcome_already_recorded 409) and the
    others are still recorded. Decisions are looked up in one query, scoped to the engagement
    and the key's mode: a test key reaches its test decisions only, a live key live ones only.
    """
    condition = Q()
    for item in items:
        condition |= Q(process_id=item["process"], case_ref=item["case_ref"])
    found = {
        (d.process_id, d.case_ref): d
        for d in Decision.objects.filter(
            condition, engagement=engagement, is_test=is_test
        ).select_related("review_task")
    }
    results = []
    for item in items:
        decision = found.get((item["process"], item["case_ref"]))
        try:
            with transaction.atomic():
                results.append(FeedbackResult(decision=_feedback_one(decision, item)))
        except DomainError as error:
            results.append(FeedbackResult(error=error))
    return results
