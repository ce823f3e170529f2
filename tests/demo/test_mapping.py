from decimal import Decimal

import pytest

from maestro.demo.seed import demo_seed
from maestro.engagements.models import Phase
from maestro.mapping import selectors
from maestro.mapping.models import DecisionType, Process, Step

pytestmark = pytest.mark.django_db

ACT = Step.Flow.ACTUAL


def test_demo_has_the_articles_maps():
    demo_seed()
    procurement = Process.objects.get(name="Procurement approval")
    summary = selectors.process_summary(process=procurement)
    assert (summary["documented_steps"], summary["actual_steps"]) == (4, 11)
    whatsapp = Step.objects.filter(
        process=procurement, flow=ACT, informal=True, kind="approval", system="WhatsApp"
    )
    assert whatsapp.count() == 2 == summary["informal_approvals"]
    assert Step.objects.get(process=procurement, system="Google Sheet").cadence == (
        "Friday afternoon"
    )
    tickets = Process.objects.get(name="Customer ticket routing")
    assert (tickets.volume_per_day, tickets.minutes_per_case) == (200, 12)
    calibration = {
        dt.name: (dt.autonomy, dt.confidence_threshold) for dt in DecisionType.objects.all()
    }
    assert calibration == {
        "approve purchase order": ("review_below_threshold", Decimal("0.80")),
        "compliance exception": ("always_human", None),
        "route ticket": ("full", None),
    }
    # The maps existed before the move to training, so that gate passed without an override.
    first = procurement.engagement.transitions.order_by("at").first()
    assert first.to_phase == Phase.TRAINING and not first.overridden
