"""Two weeks of live decisions for the Northwind demo, posted through the real intake (so the
demo playbooks route them and human-routed ones land in Olivia's queue): ticket routing and
procurement approvals, most human tasks resolved (some as overrides), a few still open, and
true outcomes fed back for part of the auto-routed ones. Deterministic and idempotent: case
refs are fixed, the intake answers a known one with the first decision, and each follow-up
step skips what is already done."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from maestro.decisions.models import AgentApiKey, Decision
from maestro.decisions.services import (
    agent_api_key_create,
    decision_outcome_record,
    decisions_intake,
)
from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.tenancy.models import User

DAYS = 14
TICKETS_PER_DAY = 24
PURCHASES_PER_DAY = 4
TICKET_QUEUES = {
    "access": "it-support",
    "billing": "finance",
    "hardware": "facilities",
    "people": "hr",
    "security": "security",
}
SUPPLIERS = ["Contoso Paper", "Fabrikam Machining", "Initech Logistics", "Wide World Importers"]
PURCHASE_CATEGORIES = ["office supplies", "equipment", "freight", "compliance"]
KEY_NAME = "Northwind agents (demo)"


def _tickets(rng: random.Random, process: Process) -> list[tuple[int, dict]]:
    items = []
    for day in range(DAYS, 0, -1):
        for n in range(TICKETS_PER_DAY):
            # Security tickets (always human in the demo playbook) are the rare ones.
            category = rng.choices(list(TICKET_QUEUES), weights=[30, 30, 16, 16, 8])[0]
            queue = TICKET_QUEUES[category]
            items.append(
                (
                    day,
                    {
                        "process": process.pk,
                        "case_ref": f"TCK-D{day:02d}-{n:03d}",
                        "category": category,
                        "proposed_outcome": queue,
                        "confidence": Decimal(
                            rng.choice([rng.randint(72, 99)] * 12 + [rng.randint(50, 69)])
                        )
                        / 100,
                        "payload": {"subject": f"{category} ticket", "channel": "email"},
                    },
                )
            )
    return items


def _purchases(rng: random.Random, process: Process) -> list[tuple[int, dict]]:
    items = []
    for day in range(DAYS, 0, -1):
        for n in range(PURCHASES_PER_DAY):
            amount = Decimal(
                rng.choices([450, 1200, 3800, 9600, 24000, 61000], weights=[3, 4, 4, 3, 2, 1])[0]
            ) + Decimal("0.50")
            items.append(
                (
                    day,
                    {
                        "process": process.pk,
                        "case_ref": f"PO-D{day:02d}-{n:02d}",
                        "category": rng.choices(PURCHASE_CATEGORIES, weights=[6, 4, 4, 1])[0],
                        "proposed_outcome": "approve",
                        "confidence": Decimal(
                            rng.choice([rng.randint(81, 99)] * 4 + [rng.randint(60, 79)])
                        )
                        / 100,
                        "amount": amount,
                        "currency": "USD",
                        "counterparty": rng.choice(SUPPLIERS),
                        "payload": {"requested_by": "warehouse", "lines": rng.randint(1, 9)},
                    },
                )
            )
    return items


def _another_outcome(proposed: str) -> str:
    if proposed == "approve":
        return "reject"
    return "finance" if proposed != "finance" else "it-support"


def decisions_demo_seed(*, engagement: Engagement, operator: User, by: User) -> None:
    if not AgentApiKey.objects.filter(engagement=engagement, name=KEY_NAME).exists():
        # The secret is thrown away: consultants create their own keys on the API keys page.
        agent_api_key_create(engagement=engagement, name=KEY_NAME, by=by)

    from handoff.models import ReviewTask
    from handoff.services import review_task_resolve

    rng = random.Random(5)  # deterministic: the same demo on every machine and every run
    now = timezone.now()
    for process_name, build in (
        ("Customer ticket routing", _tickets),
        ("Procurement approval", _purchases),
    ):
        process = Process.objects.filter(engagement=engagement, name=process_name).first()
        if process is None:
            continue
        dated = build(rng, process)
        results = decisions_intake(engagement=engagement, items=[item for _day, item in dated])
        for (day, _item), result in zip(dated, results, strict=True):
            decision = result.decision
            if decision is None or not result.created:
                continue
            # Spread over the two weeks, so "today" and "last 7 days" mean something.
            Decision.objects.filter(pk=decision.pk).update(
                received_at=now - timedelta(days=day - 1, hours=rng.randint(1, 9))
            )
        decisions = {r.decision.case_ref: r.decision for r in results if r.decision is not None}
        tasks = {
            task.decision_id: task
            for task in ReviewTask.objects.filter(
                decision__in=list(decisions.values())
            ).select_related("decision", "engagement")
        }
        for case_ref, decision in sorted(decisions.items()):
            # Deterministic per case ref (not per run), so a second seed takes the same path.
            fate = random.Random(case_ref).random()
            task = tasks.get(decision.pk)
            if task is not None:
                recent = case_ref.startswith(("TCK-D01", "PO-D01"))
                if task.status == ReviewTask.Status.OPEN and not recent:
                    final = decision.proposed_outcome
                    if fate < 0.2:  # the human disagrees: an override
                        final = _another_outcome(decision.proposed_outcome)
                    review_task_resolve(
                        task=task, final_outcome=final, note="Checked in the demo.", by=operator
                    )
            elif not decision.outcome_source and fate < 0.5:
                true_outcome = decision.proposed_outcome
                if fate >= 0.46:  # the agent was wrong
                    true_outcome = _another_outcome(decision.proposed_outcome)
                decision_outcome_record(
                    decision=decision,
                    outcome=true_outcome,
                    source=Decision.OutcomeSource.FEEDBACK,
                    by=None,
                )
