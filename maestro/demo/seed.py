"""Demo data from the article: an engagement run by a consultant for a client, and a second
client whose operator must never see the first. Idempotent: seeding twice changes nothing."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from maestro.demo.engagement import (
    engagement_demo_seed,
    northwind_engagement,
    training_and_playbooks_demo_seed,
)
from maestro.demo.handoff import handoff_demo_seed, handoff_document_demo_seed
from maestro.demo.intake import decisions_demo_seed
from maestro.demo.mapping import mapping_demo_seed
from maestro.demo.monitoring import monitoring_demo_seed
from maestro.demo.people import people_demo_seed
from maestro.demo.reviews import review_demo_seed
from maestro.demo.runbooks import runbook_demo_seed
from maestro.demo.timeline import demo_go_live


@transaction.atomic
def demo_seed() -> dict:
    # One clock for the whole timeline: maps, training, playbooks, go-live, decisions, queue.
    now = timezone.now()
    live_since = demo_go_live(now)
    clients, people = people_demo_seed()
    maria = people["maria"]
    engagement_demo_seed(clients=clients, maria=maria, now=now, live_since=live_since)
    runbook_demo_seed(maria=maria, olivia=people["olivia"])
    # Again on an engagement seeded before: what a newer demo adds is filled in, the rest skipped.
    northwind = northwind_engagement(clients)
    mapping_demo_seed(engagement=northwind, by=maria)
    training_and_playbooks_demo_seed(engagement=northwind, by=maria, live_since=live_since)
    # Last: the decisions are routed by whatever playbook the demo has by now.
    decisions_demo_seed(
        engagement=northwind, operator=people["olivia"], by=maria, live_since=live_since, now=now
    )
    review_demo_seed(engagement=northwind, operator=people["olivia"], now=now)
    monitoring_demo_seed(engagement=northwind, by=maria, now=now)
    # Mid-handoff: olivia's plan moves the engagement on, with its check-ins and shadow reviews.
    handoff_demo_seed(
        engagement=northwind, operator=people["olivia"], by=maria, live_since=live_since, now=now
    )
    # Last of all, since it prints everything above: the handoff PDF, signed off.
    if settings.MAESTRO_DEMO_HANDOFF_PDF:
        handoff_document_demo_seed(
            engagement=northwind, by=maria, signers=[people["sam"], people["olivia"]]
        )
    return {"clients": len(clients), "people": len(people)}
