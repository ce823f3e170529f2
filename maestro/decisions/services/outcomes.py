"""The confirmed outcome of a live decision (from its review task or from agent feedback)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.decisions.models import Decision
from maestro.exceptions import StateConflict
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
