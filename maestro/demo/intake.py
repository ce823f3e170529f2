"""Two weeks of live decisions for the Northwind demo, posted through the real intake (so the
demo playbooks route them and human-routed ones land in Olivia's queue): ticket routing and
procurement approvals, most human tasks resolved (some as overrides), a few still open (one of
them overdue), and true outcomes fed back for part of the auto-routed ones.

The timeline is laid out against the seeding clock and then written over the intake's own
timestamps, so every page reads like a live deployment: decisions arrive on working hours of
the last 14 local days (fewer at weekends, none after now), a task is opened when its decision
arrives and is due after its playbook's SLA, it is resolved within that SLA (or stays open when
that time has not come yet), feedback comes after the decision, and the agent's key was made
at go-live and last used by the newest decision. Seeded once: a second run finds the demo key
and leaves everything as it is.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from maestro.audit.services import Actor
from maestro.decisions.models import AgentApiKey, Decision
from maestro.decisions.services import agent_api_key_create, decision_outcome_record
from maestro.engagements.models import Engagement
from maestro.intake.services import decisions_intake
from maestro.mapping.models import Process
from maestro.playbooks.models import KnownCounterparty
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services import DEFAULT_SLA_MINUTES, review_task_resolve
from maestro.tenancy.models import User

DAYS = 14
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
# Local hours decisions arrive in, weighted: tickets peak mid-morning and fade in the evening;
# purchase requests come in office hours only.
TICKET_HOURS = dict(zip(range(7, 22), [2, 5, 8, 9, 9, 8, 7, 8, 8, 7, 5, 4, 3, 2, 1], strict=True))
PURCHASE_HOURS = dict(zip(range(8, 18), [3, 5, 5, 4, 2, 4, 5, 4, 3, 1], strict=True))
# The queue Olivia finds: (minutes before now, category). Both categories are always human in
# the demo playbooks; the 105-minute-old ticket is past its 60-minute SLA, so it is overdue.
TICKET_QUEUE = [(105, "security"), (35, "security")]
PURCHASE_QUEUE = [(80, "compliance"), (15, "compliance")]

Item = tuple[datetime, dict]


def _arrivals(
    rng: random.Random, *, today: date, now: datetime, volume: Callable[[date], int], hours: dict
) -> list[datetime]:
    tz = timezone.get_current_timezone()
    times = []
    for days_ago in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        for _n in range(volume(day)):
            hour = rng.choices(list(hours), weights=list(hours.values()))[0]
            at = datetime.combine(day, time(hour)) + timedelta(seconds=rng.randint(0, 3599))
            times.append(timezone.make_aware(at, tz))
    # Nothing from the future: today's working hours end at the moment of seeding.
    return [at for at in times if at <= now - timedelta(minutes=2)]


def _numbered(prefix: str, items: list[Item], queue: list[Item]) -> tuple[list[Item], set[str]]:
    """All items in arrival order with case refs by local day of arrival (TCK-20261124-007),
    and the case refs of the queue's items."""
    queued = {id(item) for _at, item in queue}
    items = sorted(items + queue, key=lambda pair: pair[0])
    per_day: dict[date, int] = {}
    refs = set()
    for at, item in items:
        day = timezone.localdate(at)
        per_day[day] = per_day.get(day, 0) + 1
        item["case_ref"] = f"{prefix}-{day:%Y%m%d}-{per_day[day]:03d}"
        if id(item) in queued:
            refs.add(item["case_ref"])
    return items, refs


def _ticket(rng: random.Random, process: Process, category: str | None = None) -> dict:
    # Security tickets (always human in the demo playbook) are the rare ones.
    category = category or rng.choices(list(TICKET_QUEUES), weights=[30, 30, 16, 16, 8])[0]
    return {
        "process": process.pk,
        "category": category,
        "proposed_outcome": TICKET_QUEUES[category],
        "confidence": Decimal(rng.choice([rng.randint(72, 99)] * 12 + [rng.randint(50, 69)])) / 100,
        "payload": {"subject": f"{category} ticket", "channel": "email"},
    }


def _purchase(rng: random.Random, process: Process, category: str | None = None) -> dict:
    amount = Decimal(
        rng.choices([450, 1200, 3800, 9600, 24000, 61000], weights=[3, 4, 4, 3, 2, 1])[0]
    ) + Decimal("0.50")
    return {
        "process": process.pk,
        "category": category or rng.choices(PURCHASE_CATEGORIES, weights=[6, 4, 4, 1])[0],
        "proposed_outcome": "approve",
        "confidence": Decimal(rng.choice([rng.randint(81, 99)] * 4 + [rng.randint(60, 79)])) / 100,
        "amount": amount,
        "currency": "USD",
        "counterparty": rng.choice(SUPPLIERS),
        "payload": {"requested_by": "warehouse", "lines": rng.randint(1, 9)},
    }


@dataclass(frozen=True)
class Stream:
    """One process's demo traffic: volume per weekday and weekend day (inclusive ranges),
    arrival hours, and the queue (minutes before now, category) left open for Olivia."""

    process: str
    prefix: str
    make: Callable[[random.Random, Process, str | None], dict]
    weekday: tuple[int, int]
    weekend: tuple[int, int]
    hours: dict[int, int]
    queue: list[tuple[int, str]]


STREAMS = [
    Stream(
        "Customer ticket routing", "TCK", _ticket, (20, 30), (6, 11), TICKET_HOURS, TICKET_QUEUE
    ),
    Stream("Procurement approval", "PO", _purchase, (3, 6), (0, 1), PURCHASE_HOURS, PURCHASE_QUEUE),
]


def _items(
    rng: random.Random, stream: Stream, process: Process, *, today: date, now: datetime
) -> tuple[list[Item], set[str]]:
    def volume(day: date) -> int:
        low, high = stream.weekday if day.weekday() < 5 else stream.weekend
        return rng.randint(low, high)

    arrivals = _arrivals(rng, today=today, now=now, volume=volume, hours=stream.hours)
    items = [(at, stream.make(rng, process, None)) for at in arrivals]
    queue = [(now - timedelta(minutes=m), stream.make(rng, process, c)) for m, c in stream.queue]
    return _numbered(stream.prefix, items, queue)


def _another_outcome(proposed: str) -> str:
    if proposed == "approve":
        return "reject"
    return "finance" if proposed != "finance" else "it-support"


def decisions_demo_seed(
    *, engagement: Engagement, operator: User, by: User, live_since: datetime, now: datetime
) -> None:
    """Seed the decisions received between `live_since` (go-live, when the key is made) and
    `now`; skipped when the demo key exists."""
    if AgentApiKey.objects.filter(engagement=engagement, name=KEY_NAME).exists():
        return
    # The secret is thrown away: consultants create their own keys on the API keys page.
    key, _secret = agent_api_key_create(engagement=engagement, name=KEY_NAME, by=by)

    rng = random.Random(5)  # the same demo on every machine, up to the day it is seeded
    today = timezone.localdate(now)
    newest = None
    for stream in STREAMS:
        process = Process.objects.filter(engagement=engagement, name=stream.process).first()
        if process is None:
            continue
        # Posted oldest first, so "new supplier" is said of each supplier's first order.
        dated, queue = _items(rng, stream, process, today=today, now=now)
        results = decisions_intake(
            engagement=engagement, items=[item for _at, item in dated], actor=Actor.for_key(key)
        )
        received = {}
        for (at, _item), result in zip(dated, results, strict=True):
            if result.decision is not None and result.created:
                result.decision.received_at = at
                received[result.decision.pk] = result.decision
        Decision.objects.bulk_update(received.values(), ["received_at"])
        _settle(decisions=list(received.values()), queue=queue, operator=operator, now=now)
        first_seen: dict[str, datetime] = {}
        for decision in sorted(received.values(), key=lambda d: d.received_at, reverse=True):
            if decision.counterparty:
                first_seen[decision.counterparty] = decision.received_at
        for name, at in first_seen.items():
            KnownCounterparty.objects.filter(process=process, name=name).update(first_seen_at=at)
        if received:
            latest = max(d.received_at for d in received.values())
            newest = latest if newest is None or latest > newest else newest
    AgentApiKey.objects.filter(pk=key.pk).update(created_at=live_since, last_used_at=newest)


def _settle(*, decisions: list[Decision], queue: set[str], operator: User, now: datetime) -> None:
    """Date each review task from its decision, resolve those whose reviewer had the time, and
    feed back outcomes for part of the auto-routed decisions."""
    tasks = {
        task.decision_id: task
        for task in ReviewTask.objects.filter(decision__in=decisions).select_related(
            "decision__playbook_version", "engagement"
        )
    }
    for task in tasks.values():
        version = task.decision.playbook_version
        sla = timedelta(minutes=version.sla_minutes if version else DEFAULT_SLA_MINUTES)
        task.created_at = task.decision.received_at
        task.due_at = task.created_at + sla
    ReviewTask.objects.bulk_update(tasks.values(), ["created_at", "due_at"])
    for task in tasks.values():
        ReviewTaskEvent.objects.filter(task=task).update(at=task.created_at)

    resolved: list[ReviewTask] = []
    fed_back: list[Decision] = []
    for decision in sorted(decisions, key=lambda d: d.case_ref):
        # Deterministic per case ref (not per run), so the same case always takes one path.
        case_rng = random.Random(decision.case_ref)
        fate = case_rng.random()
        task = tasks.get(decision.pk)
        if task is not None:
            # Worked within the SLA; a task whose time has not come yet is still in the queue.
            sla = task.due_at - task.created_at
            resolved_at = task.created_at + sla * case_rng.uniform(0.05, 0.75)
            if decision.case_ref in queue or resolved_at > now - timedelta(minutes=1):
                continue
            final = decision.proposed_outcome
            if fate < 0.2:  # the human disagrees: an override
                final = _another_outcome(decision.proposed_outcome)
            review_task_resolve(
                task=task, final_outcome=final, note="Checked in the demo.", by=operator
            )
            task.resolved_at = resolved_at
            resolved.append(task)
        elif fate < 0.5:
            outcome_at = decision.received_at + timedelta(hours=case_rng.uniform(1, 30))
            if outcome_at > now:
                continue  # the true outcome is not known yet
            true_outcome = decision.proposed_outcome
            if fate >= 0.46:  # the agent was wrong
                true_outcome = _another_outcome(decision.proposed_outcome)
            decision_outcome_record(
                decision=decision,
                outcome=true_outcome,
                source=Decision.OutcomeSource.FEEDBACK,
                by=None,
            )
            decision.outcome_at = outcome_at
            fed_back.append(decision)
    ReviewTask.objects.bulk_update(resolved, ["resolved_at"])
    for task in resolved:
        ReviewTaskEvent.objects.filter(task=task, kind=ReviewTaskEvent.Kind.RESOLVED).update(
            at=task.resolved_at
        )
        task.decision.outcome_at = task.resolved_at
    Decision.objects.bulk_update([task.decision for task in resolved] + fed_back, ["outcome_at"])
