"""The demo's escalation playbooks (called by maestro.demo.seed before the demo decisions
are posted, so they are routed by these rules). Skips a process that already has one."""

from datetime import datetime

from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.playbooks.models import EscalationPlaybook, PlaybookVersion
from maestro.playbooks.services import playbook_version_create
from maestro.tenancy.models import Membership, User

# The article's procurement rules: 80% confidence, compliance always human, purchases above
# $50,000, new suppliers, and the decision types marked always human.
DEMO_PLAYBOOKS = {
    "Procurement approval": {
        "default_threshold": "0.80",
        "rules": [
            {"kind": "confidence_below"},
            {"kind": "category_in", "categories": ["compliance"]},
            {"kind": "amount_above", "amount": "50000", "currency": "USD"},
            {"kind": "new_counterparty"},
            {"kind": "decision_type_always_human"},
        ],
        "sla_minutes": 240,
        "message": "Procurement rules agreed with Northwind's finance lead.",
    },
    "Customer ticket routing": {
        "default_threshold": "0.70",
        "rules": [
            {"kind": "confidence_below"},
            {"kind": "category_in", "categories": ["security"]},
        ],
        "sla_minutes": 60,
        "message": "Security tickets stay with people; the rest routes above 70% confidence.",
    },
}


def playbook_demo_seed(*, engagement: Engagement, by: User, written_at: datetime) -> None:
    """`written_at`: when the consultant wrote them, before go-live (the decisions they routed
    must not predate them)."""
    operators = list(
        Membership.objects.filter(client_id=engagement.client_id, role=Membership.Role.OPERATOR)
        .order_by("user__username")
        .values_list("user_id", flat=True)
    )
    for name, spec in DEMO_PLAYBOOKS.items():
        process = Process.objects.filter(engagement=engagement, name=name).first()
        if process is None or PlaybookVersion.objects.filter(playbook__process=process).exists():
            continue
        version = playbook_version_create(
            process=process, by=by, escalation_chain=[*operators, by.pk], **spec
        )
        PlaybookVersion.objects.filter(pk=version.pk).update(created_at=written_at)
        EscalationPlaybook.objects.filter(pk=version.playbook_id).update(created_at=written_at)
