"""Demo review work for Northwind's procurement agent: open tasks in Olivia's queue (one
overdue), resolved ones (one an override), and two edge cases. The decisions go through the
real intake service, so routing, tasks and assignment are the product's own. Idempotent:
intake answers a known case ref with the first decision, and each step skips what is done."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from handoff import services
from handoff.models import EdgeCase, ReviewTask
from maestro.decisions.services import decisions_intake
from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.tenancy.models import User

# (case ref, proposed, confidence, amount USD, counterparty, category, final outcome, note,
#  edge-case note). A final outcome resolves the task; None leaves it in the queue.
DEMO_DECISIONS = [
    ("PO-2038", "approve", "0.58", "4200.00", "Contoso Paper", "office supplies",
     "approve", "Matches the framework contract.", ""),
    ("PO-2039", "approve", "0.66", "72000.00", "Fabrikam Machining", "equipment",
     "ask for a second quote", "Above the 50k limit without a second quote.",
     "Supplier split one order into two POs just below the approval limit."),
    ("PO-2041", "approve", "0.62", "3400.00", "Globex Office", "office supplies", None, "", ""),
    ("PO-2042", "approve", "0.71", "18500.00", "Initech Logistics", "freight", None, "", ""),
    ("PO-2043", "reject", "0.55", "950.00", "Umbrella Labs", "lab consumables", None, "",
     "Counterparty name differs from the supplier master (Umbrella Laboratories Ltd)."),
]  # fmt: skip
OVERDUE_CASE = "PO-2041"


def review_demo_seed(*, engagement: Engagement, process: Process, operator: User) -> None:
    items = [
        {
            "process": process.pk,
            "case_ref": case_ref,
            "proposed_outcome": proposed,
            "confidence": Decimal(confidence),
            "amount": Decimal(amount),
            "currency": "USD",
            "counterparty": counterparty,
            "category": category,
            "payload": {"po_number": case_ref, "requested_by": "warehouse", "lines": 3},
        }
        for case_ref, proposed, confidence, amount, counterparty, category, *_rest in DEMO_DECISIONS
    ]
    results = decisions_intake(engagement=engagement, items=items)
    tasks = {
        task.decision.case_ref: task
        for task in ReviewTask.objects.filter(
            decision__in=[r.decision for r in results if r.decision]
        ).select_related("decision", "engagement")
    }
    for result in results:
        decision = result.decision
        if decision is not None and result.created and decision.case_ref == OVERDUE_CASE:
            # Backdated once, so the queue shows what an overdue task looks like.
            ReviewTask.objects.filter(decision=decision).update(
                due_at=timezone.now() - timedelta(minutes=45)
            )
    for case_ref, *_facts, final, note, edge_note in DEMO_DECISIONS:
        task = tasks.get(case_ref)
        if task is None:
            continue  # a playbook routed it to the agent: nothing for a human to do
        if final and task.status == ReviewTask.Status.OPEN:
            services.review_task_resolve(task=task, final_outcome=final, note=note, by=operator)
        if edge_note and not EdgeCase.objects.filter(decision=task.decision).exists():
            services.edge_case_flag(decision=task.decision, note=edge_note, by=operator)
