"""Demo data from the article: an engagement run by a consultant for a client, and a second
client whose operator must never see the first. Idempotent: seeding twice changes nothing."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from maestro.engagements import services as engagement_services
from maestro.engagements.models import Engagement, Phase, PhaseTransition
from maestro.tenancy.models import Client, Membership, User
from runbooks import services as runbook_services
from runbooks.models import Runbook

DEMO_PASSWORD = "maestro-demo"
# The demo's early phases predate the data their gates check (maps, rounds): say so honestly.
BACKFILL_REASON = "Evidence kept outside Maestro before this phase was tracked in it."

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


@transaction.atomic
def demo_seed() -> dict:
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
        # (phase, note, days ago): mapping took three weeks, training four.
        history = [
            (Phase.TRAINING, "Process archaeology done: procurement really has 11 steps.", 35),
            (Phase.DEPLOYMENT, "Round 3 reached 85% on the 500-case evaluation set.", 7),
        ]
        now = timezone.now()
        Engagement.objects.filter(pk=engagement.pk).update(created_at=now - timedelta(days=56))
        for to_phase, note, days_ago in history:
            transition = engagement_services.engagement_transition(
                engagement=engagement,
                to_phase=to_phase,
                by=maria,
                note=note,
                override=True,
                override_reason=BACKFILL_REASON,
            )
            # Backdated so the demo timeline reads like a real engagement, not one second.
            when = now - timedelta(days=days_ago)
            PhaseTransition.objects.filter(pk=transition.pk).update(at=when)
            Engagement.objects.filter(pk=engagement.pk).update(phase_changed_at=when)
    if not Engagement.objects.filter(client=clients["globex"], name="Invoice triage").exists():
        engagement_services.engagement_create(
            client=clients["globex"],
            name="Invoice triage",
            by=maria,
            description="Route supplier invoices to the right approver.",
        )
    _seed_runbooks(maria=maria, olivia=people["olivia"])
    return {"clients": len(clients), "people": len(people)}


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
