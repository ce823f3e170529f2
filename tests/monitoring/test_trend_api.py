"""GET /api/engagements/{id}/trend/: the figures, shares as strings, the sentence, isolation."""

from datetime import timedelta

import pytest

from maestro.lib.timezones import iso_week_start, local_today
from tests.conftest import client_for
from tests.harness.isolation import OUTSIDERS, api_as, assert_hidden
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import DailyScoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_weeks(world):
    process = ProcessFactory(engagement=world.engagement_a, name="Procurement approval")
    today = local_today(world.client_a.tzinfo)
    last_monday = iso_week_start(today) - timedelta(days=7)
    DailyScoreFactory(process=process, day=last_monday, volume=1000, with_outcome=1000,
                      correct=941, auto_routed=850, escalated=150, human_resolved=150,
                      overridden=15)  # fmt: skip
    DailyScoreFactory(process=process, day=today, volume=500, with_outcome=400, correct=369,
                      auto_routed=400, escalated=100, human_resolved=80, overridden=4)  # fmt: skip
    return process


@pytest.mark.parametrize("who", ["consultant", "operator_a", "sponsor_a"])
def test_trend_per_engagement_and_process(world, two_weeks, who):
    r = client_for(getattr(world, who)).get(f"/api/engagements/{world.engagement_a.pk}/trend/")
    assert r.status_code == 200
    data = r.json()
    assert data["time_zone"] == world.client_a.time_zone
    overall = data["overall"]
    assert overall["sentence"] == "92.3% correct decisions this week, down from 94.1%"
    assert overall["this_week"]["accuracy"] == "0.9225"  # 369 / 400
    assert overall["last_week"]["accuracy"] == "0.9410"
    assert overall["this_week"]["automation_rate"] == "0.8000"
    assert overall["this_week"]["override_rate"] == "0.0500"  # 4 / 80
    assert overall["this_week"]["volume"] == 500
    assert overall["changes"][0] == {"key": "accuracy", "points": "-1.8", "direction": "down"}
    (process,) = data["processes"]
    assert process["process"] == two_weeks.pk and process["process_name"] == "Procurement approval"
    assert process["sentence"] == overall["sentence"]


def test_trend_without_scores_has_null_shares(world):
    ProcessFactory(engagement=world.engagement_a)
    data = client_for(world.consultant).get(f"/api/engagements/{world.engagement_a.pk}/trend/")
    overall = data.json()["overall"]
    assert overall["this_week"]["accuracy"] is None
    assert overall["changes"][0]["points"] is None
    assert overall["sentence"] == "No scored decisions this week or last week."


@pytest.mark.parametrize("who", OUTSIDERS)
def test_trend_of_another_client_is_a_404(world, two_weeks, who):
    assert_hidden(
        api_as(getattr(world, who)),
        [("get", f"/api/engagements/{world.engagement_a.pk}/trend/")],
        api_code=True,
        absent=["Procurement approval"],
    )


def test_trend_requires_authentication(world, api_client):
    r = api_client.get(f"/api/engagements/{world.engagement_a.pk}/trend/")
    assert r.status_code in (401, 403)
