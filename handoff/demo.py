"""Demo review work on top of the demo's live decisions (maestro/decisions/demo.py posts them
and resolves most of Olivia's tasks): one of her open tasks overdue, and two edge cases in the
log. Idempotent: each step skips what is already there."""

from datetime import timedelta

from django.utils import timezone

from handoff import services
from handoff.models import EdgeCase, ReviewTask
from maestro.engagements.models import Engagement
from maestro.tenancy.models import User

PROCESS = "Procurement approval"
EDGE_CASE_NOTES = [
    "Supplier split one order into two POs just below the approval limit.",
    "Counterparty name differs from the supplier master; check before paying.",
]


def review_demo_seed(*, engagement: Engagement, operator: User) -> None:
    tasks = ReviewTask.objects.filter(
        engagement=engagement, kind=ReviewTask.Kind.ESCALATED_DECISION
    ).select_related("decision", "engagement")
    now = timezone.now()
    open_tasks = tasks.filter(assignee=operator, status=ReviewTask.Status.OPEN)
    if not open_tasks.filter(due_at__lt=now).exists():
        # Backdated, so the queue shows an overdue task (escalation moves it on in a minute
        # or so once a worker and beat run: that is the demo of the chain).
        first = open_tasks.order_by("decision__case_ref").first()
        if first is not None:
            ReviewTask.objects.filter(pk=first.pk).update(due_at=now - timedelta(minutes=45))
    if EdgeCase.objects.filter(engagement=engagement).exists():
        return
    # The notes are about suppliers: pick procurement decisions.
    purchases = tasks.filter(decision__process__name=PROCESS)
    overridden = purchases.filter(decision__overridden=True).order_by("decision__case_ref").first()
    still_open = (
        purchases.filter(status=ReviewTask.Status.OPEN).order_by("-decision__case_ref").first()
    )
    for task, note in zip([overridden, still_open], EDGE_CASE_NOTES, strict=True):
        if task is not None and task.decision is not None:
            services.edge_case_flag(decision=task.decision, note=note, by=operator)
