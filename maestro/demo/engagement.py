"""The demo's engagements: Northwind's, created eight weeks back and moved through mapping and
training to deployment, each phase's evidence seeded before its move so every gate passes on the
data; and Globex's, still in its first phase. Skips what exists."""

from datetime import datetime, timedelta

from maestro.demo.mapping import mapping_demo_seed
from maestro.demo.playbooks import playbook_demo_seed
from maestro.demo.timeline import phase_move_backdated
from maestro.demo.training import training_demo_seed
from maestro.engagements import services as engagement_services
from maestro.engagements.models import Engagement, Phase
from maestro.mapping.models import Process
from maestro.tenancy.models import Client, User

NORTHWIND_ENGAGEMENT = "Procurement & support agents"
GLOBEX_ENGAGEMENT = "Invoice triage"


def engagement_demo_seed(
    *, clients: dict[str, Client], maria: User, now: datetime, live_since: datetime
) -> None:
    if not Engagement.objects.filter(
        client=clients["northwind"], name=NORTHWIND_ENGAGEMENT
    ).exists():
        engagement = engagement_services.engagement_create(
            client=clients["northwind"],
            name=NORTHWIND_ENGAGEMENT,
            by=maria,
            description=(
                "Agents for procurement approval (documented in 4 steps, really 11) and customer "
                "ticket routing (200 tickets/day at 12 minutes each)."
            ),
        )
        Engagement.objects.filter(pk=engagement.pk).update(created_at=now - timedelta(days=56))
        # Each phase's evidence is there before the move, so every gate passes on the data: the
        # maps before training (three weeks of mapping), the rounds and playbooks before go-live.
        mapping_demo_seed(engagement=engagement, by=maria)
        phase_move_backdated(
            engagement=engagement,
            to_phase=Phase.TRAINING,
            note="Process archaeology done: procurement really has 11 steps.",
            by=maria,
            at=now - timedelta(days=35),
        )
        training_and_playbooks_demo_seed(engagement=engagement, by=maria, live_since=live_since)
        phase_move_backdated(
            engagement=engagement,
            to_phase=Phase.DEPLOYMENT,
            note="Round 3 reached 85% on the 500-case evaluation set.",
            by=maria,
            at=live_since,
        )
    if not Engagement.objects.filter(client=clients["globex"], name=GLOBEX_ENGAGEMENT).exists():
        engagement_services.engagement_create(
            client=clients["globex"],
            name=GLOBEX_ENGAGEMENT,
            by=maria,
            description="Route supplier invoices to the right approver.",
        )


def northwind_engagement(clients: dict[str, Client]) -> Engagement:
    return Engagement.objects.get(client=clients["northwind"], name=NORTHWIND_ENGAGEMENT)


def training_and_playbooks_demo_seed(
    *, engagement: Engagement, by: User, live_since: datetime
) -> None:
    """The ticket-routing rounds and both playbooks, dated before go-live; skips what exists."""
    tickets = Process.objects.filter(engagement=engagement, name="Customer ticket routing").first()
    if tickets is not None:
        training_demo_seed(process=tickets, by=by, live_since=live_since)
    playbook_demo_seed(engagement=engagement, by=by, written_at=live_since - timedelta(days=1))
