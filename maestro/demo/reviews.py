"""Demo edge cases on top of the demo's live decisions (maestro/demo/intake.py posts them,
resolves most of Olivia's tasks and leaves her a queue with one task overdue): two entries in
the log, each flagged after its decision arrived. Idempotent: skipped when the log has entries."""

from datetime import datetime, timedelta

from maestro.engagements.models import Engagement
from maestro.reviews import services
from maestro.reviews.models import EdgeCase, ReviewTask
from maestro.tenancy.models import User

PROCESS = "Procurement approval"
EDGE_CASE_NOTES = [
    "Supplier split one order into two POs just below the approval limit.",
    "Counterparty name differs from the supplier master; check before paying.",
]


def review_demo_seed(*, engagement: Engagement, operator: User, now: datetime) -> None:
    if EdgeCase.objects.filter(engagement=engagement).exists():
        return
    # The notes are about suppliers: pick procurement decisions.
    purchases = ReviewTask.objects.filter(
        engagement=engagement,
        kind=ReviewTask.Kind.ESCALATED_DECISION,
        decision__process__name=PROCESS,
    ).select_related("decision__engagement")
    # Flagged while resolving it: the latest override.
    overridden = purchases.filter(decision__overridden=True).order_by("-resolved_at").first()
    # Flagged while it waits in the queue: the newest open one, halfway between then and now.
    still_open = (
        purchases.filter(status=ReviewTask.Status.OPEN).order_by("-decision__received_at").first()
    )
    flagged = [
        (overridden, lambda task: task.resolved_at),
        (still_open, lambda task: task.created_at + (now - task.created_at) / 2),
    ]
    for (task, when), note in zip(flagged, EDGE_CASE_NOTES, strict=True):
        if task is not None and task.decision is not None:
            edge_case = services.edge_case_flag(decision=task.decision, note=note, by=operator)
            at = min(when(task) + timedelta(seconds=30), now)
            EdgeCase.objects.filter(pk=edge_case.pk).update(flagged_at=at)
