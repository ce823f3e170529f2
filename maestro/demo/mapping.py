"""The demo's process maps: Northwind's procurement approval (documented in 4 steps, really 11)
and customer ticket routing, with their decision types and decision points, written through the
mapping services. Skips what exists."""

from decimal import Decimal

from maestro.engagements.models import Engagement
from maestro.mapping import services as mapping_services
from maestro.mapping.models import DecisionType, Process, Step
from maestro.tenancy.models import User

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


def mapping_demo_seed(*, engagement: Engagement, by: User) -> None:
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
