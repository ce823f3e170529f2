"""The demo's runbooks: the starter runbooks of every demo engagement; Northwind's monitoring
runbook is published and Olivia is halfway through a run of it. Skips what exists."""

from maestro.demo.people import DEMO_CLIENTS
from maestro.engagements.models import Engagement
from maestro.tenancy.models import User
from runbooks import services as runbook_services
from runbooks.models import Runbook


def runbook_demo_seed(*, maria: User, olivia: User) -> None:
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
