"""Demo data from the article: an engagement run by a consultant for a client, and a second
client whose operator must never see the first. Idempotent: seeding twice changes nothing."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from maestro.engagements import services as engagement_services
from maestro.engagements.models import Engagement, Phase, PhaseTransition
from maestro.intake.demo import decisions_demo_seed
from maestro.mapping import services as mapping_services
from maestro.mapping.models import DecisionType, Process, Step
from maestro.playbooks.demo import playbook_demo_seed
from maestro.reviews.demo import review_demo_seed
from maestro.tenancy.models import Client, Membership, User
from maestro.training.demo import training_demo_seed
from runbooks import services as runbook_services
from runbooks.models import Runbook

DEMO_PASSWORD = "maestro-demo"

# (username, first, last, client slug, role) — printed by `make demo`.
DEMO_PEOPLE = [
    ("maria", "Maria", "Consultant", "northwind", Membership.Role.CONSULTANT),
    ("olivia", "Olivia", "Operator", "northwind", Membership.Role.OPERATOR),
    ("sam", "Sam", "Sponsor", "northwind", Membership.Role.SPONSOR),
    ("bruno", "Bruno", "Operator", "globex", Membership.Role.OPERATOR),
]
DEMO_CLIENTS = {"northwind": "Northwind Supplies", "globex": "Globex Logistics"}


def _user(username: str, first: str, last: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def demo_go_live(now: datetime) -> datetime:
    """When the demo engagement went live: 16:00 local, the day before the first of the 14 days
    the deployment charts show, so those days are all live days."""
    day = timezone.localdate(now) - timedelta(days=14)
    return timezone.make_aware(datetime.combine(day, time(16)))


@transaction.atomic
def demo_seed() -> dict:
    # One clock for the whole timeline: maps, training, playbooks, go-live, decisions, queue.
    now = timezone.now()
    live_since = demo_go_live(now)
    clients = {
        slug: Client.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in DEMO_CLIENTS.items()
    }
    people = {}
    for username, first, last, slug, role in DEMO_PEOPLE:
        people[username] = _user(username, first, last)
        Membership.objects.get_or_create(
            user=people[username], client=clients[slug], defaults={"role": role}
        )
    maria = people["maria"]
    # Maria also consults for Globex, so both clients have an engagement to isolate.
    Membership.objects.get_or_create(
        user=maria, client=clients["globex"], defaults={"role": Membership.Role.CONSULTANT}
    )

    if not Engagement.objects.filter(
        client=clients["northwind"], name="Procurement & support agents"
    ).exists():
        engagement = engagement_services.engagement_create(
            client=clients["northwind"],
            name="Procurement & support agents",
            by=maria,
            description=(
                "Agents for procurement approval (documented in 4 steps, really 11) and customer "
                "ticket routing (200 tickets/day at 12 minutes each)."
            ),
        )
        Engagement.objects.filter(pk=engagement.pk).update(created_at=now - timedelta(days=56))
        # Each phase's evidence is there before the move, so every gate passes on the data: the
        # maps before training (three weeks of mapping), the rounds and playbooks before go-live.
        _seed_process_maps(engagement=engagement, by=maria)
        _move(
            engagement=engagement,
            to_phase=Phase.TRAINING,
            note="Process archaeology done: procurement really has 11 steps.",
            by=maria,
            at=now - timedelta(days=35),
        )
        _seed_training_and_playbooks(engagement=engagement, by=maria, live_since=live_since)
        _move(
            engagement=engagement,
            to_phase=Phase.DEPLOYMENT,
            note="Round 3 reached 85% on the 500-case evaluation set.",
            by=maria,
            at=live_since,
        )
    if not Engagement.objects.filter(client=clients["globex"], name="Invoice triage").exists():
        engagement_services.engagement_create(
            client=clients["globex"],
            name="Invoice triage",
            by=maria,
            description="Route supplier invoices to the right approver.",
        )
    _seed_runbooks(maria=maria, olivia=people["olivia"])
    northwind = Engagement.objects.get(
        client=clients["northwind"], name="Procurement & support agents"
    )
    _seed_process_maps(engagement=northwind, by=maria)
    _seed_training_and_playbooks(engagement=northwind, by=maria, live_since=live_since)
    # Last: the decisions are routed by whatever playbook the demo has by now.
    decisions_demo_seed(
        engagement=northwind, operator=people["olivia"], by=maria, live_since=live_since, now=now
    )
    review_demo_seed(engagement=northwind, operator=people["olivia"], now=now)
    return {"clients": len(clients), "people": len(people)}


def _move(*, engagement: Engagement, to_phase: str, note: str, by: User, at: datetime) -> None:
    transition = engagement_services.engagement_transition(
        engagement=engagement, to_phase=to_phase, by=by, note=note
    )
    # Backdated so the demo timeline reads like a real engagement, not one second.
    PhaseTransition.objects.filter(pk=transition.pk).update(at=at)
    Engagement.objects.filter(pk=engagement.pk).update(phase_changed_at=at)


def _seed_training_and_playbooks(*, engagement: Engagement, by: User, live_since: datetime) -> None:
    """The ticket-routing rounds and both playbooks, dated before go-live; skips what exists."""
    tickets = Process.objects.filter(engagement=engagement, name="Customer ticket routing").first()
    if tickets is not None:
        training_demo_seed(process=tickets, by=by, live_since=live_since)
    playbook_demo_seed(engagement=engagement, by=by, written_at=live_since - timedelta(days=1))


def _seed_runbooks(*, maria: User, olivia: User) -> None:
    """The starter runbooks of every demo engagement; Northwind's monitoring runbook is
    published and Olivia is halfway through a run of it."""
    for engagement in Engagement.objects.filter(client__slug__in=DEMO_CLIENTS):
        runbook_services.runbook_create_starters(engagement=engagement, by=maria)
    monitoring = Runbook.objects.get(
        engagement__client__slug="northwind",
        engagement__name="Procurement & support agents",
        slug="monitoring",
    )
    if monitoring.published_version is None:
        runbook_services.runbook_publish(runbook=monitoring, by=maria)
    if not monitoring.runs.exists():
        run = runbook_services.run_start(runbook=monitoring, by=olivia)
        for step in run.steps.order_by("position")[:2]:
            runbook_services.run_step_update(
                step=step,
                by=olivia,
                done=True,
                note="Within target." if step.position == 1 else None,
            )


# The article's two processes. Actual steps: (name, actor, system, kind, informal, undocumented,
# cadence, documented step number, decision type).
DEMO_DECISION_TYPES = [
    {
        "name": "approve purchase order",
        "autonomy": DecisionType.Autonomy.REVIEW_BELOW_THRESHOLD,
        "confidence_threshold": Decimal("0.80"),
        "exposure_amount": Decimal("10000.00"),
        "exposure_currency": "EUR",
        "reputational_note": "A late purchase order strains key suppliers.",
    },
    {
        "name": "compliance exception",
        "autonomy": DecisionType.Autonomy.ALWAYS_HUMAN,
        "compliance": True,
        "reputational_note": "An exception granted wrongly is an audit finding.",
    },
    {
        "name": "route ticket",
        "autonomy": DecisionType.Autonomy.FULL,
        "reputational_note": "A misrouted VIP complaint waits a day.",
    },
]
# What the person looks at, and what they can decide, at each decision point.
DEMO_POINT_DETAILS = {
    "approve purchase order": (
        ["amount", "supplier", "budget line", "requester's history"],
        ["approve", "reject", "ask for a second quote"],
    ),
    "compliance exception": (
        ["supplier sanctions check", "contract clauses"],
        ["grant the exception", "refuse"],
    ),
    "route ticket": (
        ["subject", "customer tier", "product"],
        ["billing", "technical", "sales", "VIP desk"],
    ),
}
DEMO_PROCESSES = [
    {
        "process": {
            "name": "Procurement approval",
            "description": "From purchase request to purchase order. The wiki has 4 steps.",
            "volume_per_day": 40,
            "minutes_per_case": 25,
            "owner_team": "Procurement",
        },
        "documented": [
            ("Requester submits a purchase request", "Requester", "ERP", "task"),
            ("Line manager approves", "Line manager", "ERP", "approval"),
            ("Finance checks the budget", "Finance analyst", "ERP", "check"),
            ("Procurement issues the purchase order", "Procurement officer", "ERP", "task"),
        ],
        "actual": [
            (
                "Requester emails the request",
                "Requester",
                "Email",
                "task",
                False,
                True,
                "",
                1,
                None,
            ),
            (
                "Officer keys the request into the ERP",
                "Procurement officer",
                "ERP",
                "task",
                False,
                False,
                "",
                1,
                None,
            ),
            (
                "Officer checks the supplier list",
                "Procurement officer",
                "Excel",
                "check",
                False,
                True,
                "",
                1,
                None,
            ),
            (
                "Line manager approves on WhatsApp",
                "Line manager",
                "WhatsApp",
                "approval",
                True,
                True,
                "",
                2,
                "approve purchase order",
            ),
            (
                "Officer records the approval in the ERP",
                "Procurement officer",
                "ERP",
                "task",
                False,
                False,
                "",
                2,
                None,
            ),
            (
                "Finance checks the budget",
                "Finance analyst",
                "ERP",
                "check",
                False,
                False,
                "",
                3,
                None,
            ),
            (
                "Budget check in the Google Sheet",
                "Finance analyst",
                "Google Sheet",
                "check",
                True,
                True,
                "Friday afternoon",
                3,
                None,
            ),
            (
                "CFO approves large orders on WhatsApp",
                "CFO",
                "WhatsApp",
                "approval",
                True,
                True,
                "Above 10,000 EUR",
                3,
                None,
            ),
            (
                "Compliance reviews restricted suppliers",
                "Compliance officer",
                "Email",
                "decision",
                False,
                True,
                "",
                3,
                "compliance exception",
            ),
            (
                "Procurement issues the purchase order",
                "Procurement officer",
                "ERP",
                "task",
                False,
                False,
                "",
                4,
                None,
            ),
            (
                "Officer emails the order to the supplier",
                "Procurement officer",
                "Email",
                "hand_off",
                False,
                True,
                "",
                4,
                None,
            ),
        ],
    },
    {
        "process": {
            "name": "Customer ticket routing",
            "description": "Every incoming ticket read and sent to the right queue.",
            "volume_per_day": 200,
            "minutes_per_case": 12,
            "owner_team": "Customer support",
        },
        "documented": [
            ("Agent reads the ticket", "Support agent", "Zendesk", "task"),
            ("Agent assigns the queue", "Support agent", "Zendesk", "decision"),
        ],
        "actual": [
            (
                "Agent reads the ticket",
                "Support agent",
                "Zendesk",
                "task",
                False,
                False,
                "",
                1,
                None,
            ),
            (
                "Agent looks up the customer tier",
                "Support agent",
                "Salesforce",
                "check",
                False,
                True,
                "",
                1,
                None,
            ),
            (
                "Agent routes the ticket",
                "Support agent",
                "Zendesk",
                "decision",
                False,
                False,
                "",
                2,
                "route ticket",
            ),
            (
                "VIP complaints flagged in Slack",
                "Team lead",
                "Slack",
                "hand_off",
                True,
                True,
                "",
                2,
                None,
            ),
        ],
    },
]


def _seed_process_maps(*, engagement: Engagement, by: User) -> None:
    """Northwind's two maps and decision types, through the services; skips what exists."""
    types = {}
    for data in DEMO_DECISION_TYPES:
        existing = DecisionType.objects.filter(engagement=engagement, name=data["name"]).first()
        types[data["name"]] = existing or mapping_services.decision_type_create(
            engagement=engagement, by=by, **data
        )
    for spec in DEMO_PROCESSES:
        if Process.objects.filter(engagement=engagement, name=spec["process"]["name"]).exists():
            continue
        process = mapping_services.process_create(engagement=engagement, by=by, **spec["process"])
        documented = [
            mapping_services.step_create(
                process=process,
                by=by,
                flow=Step.Flow.DOCUMENTED,
                name=name,
                actor=actor,
                system=system,
                kind=kind,
            )
            for name, actor, system, kind in spec["documented"]
        ]
        for name, actor, system, kind, informal, hidden, cadence, doc, decision in spec["actual"]:
            step = mapping_services.step_create(
                process=process,
                by=by,
                flow=Step.Flow.ACTUAL,
                name=name,
                actor=actor,
                system=system,
                kind=kind,
                informal=informal,
                undocumented=hidden,
                cadence=cadence,
                documented_step=documented[doc - 1],
            )
            if decision:
                inputs, outcomes = DEMO_POINT_DETAILS[decision]
                mapping_services.decision_point_create(
                    step=step,
                    by=by,
                    decision_type=types[decision],
                    inputs=inputs,
                    outcomes=outcomes,
                )
