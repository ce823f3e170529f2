import pytest

from runbooks import services

BODY = """# Monitoring

## Every morning
- [ ] Read yesterday's accuracy
- [ ] Check the override rate
- [ ] Look for drift alerts

See [[escalation]].
"""


@pytest.fixture
def runbook(world):
    """A published runbook of client A's engagement, with a three-step checklist."""
    rb = services.runbook_create(
        engagement=world.engagement_a,
        title="Monitoring",
        slug="monitoring",
        body=BODY,
        by=world.consultant,
    )
    return services.runbook_publish(runbook=rb, by=world.consultant)


@pytest.fixture
def runbook_b(world):
    rb = services.runbook_create(
        engagement=world.engagement_b,
        title="Beta secret runbook",
        slug="beta-ops",
        body="- [ ] Beta step\n",
        by=world.consultant_b,
    )
    return services.runbook_publish(runbook=rb, by=world.consultant_b)
