"""The demo's live process shows the article's trend: 94.1% last week, 92.3% this week, with a
firing drift alert and its investigation task, a resolved episode and a silence."""

import pytest

from maestro.demo.engagement import NORTHWIND_ENGAGEMENT
from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from maestro.monitoring.models import AlertEpisode, DailyScore, Silence
from maestro.monitoring.selectors.trend import engagement_trend
from maestro.reviews.models import ReviewTask

pytestmark = pytest.mark.django_db


def test_demo_shows_the_articles_weekly_trend_and_its_alerts():
    demo_seed()
    demo_seed()  # once only
    engagement = Engagement.objects.select_related("client").get(name=NORTHWIND_ENGAGEMENT)
    trend = engagement_trend(engagement=engagement)
    (procurement,) = [t for t in trend.processes if t.process.name == "Procurement approval"]

    assert procurement.sentence == "92.3% correct decisions this week, down from 94.1%"
    assert (procurement.last_week.correct, procurement.last_week.with_outcome) == (941, 1000)
    days_so_far = (trend.today - trend.this_week_start).days + 1
    assert procurement.this_week.with_outcome == 130 * days_so_far
    assert DailyScore.objects.filter(process=procurement.process).count() == 7 + days_so_far

    firing = AlertEpisode.objects.get(engagement=engagement, state=AlertEpisode.State.FIRING)
    assert firing.rule.kind == "accuracy_floor" and firing.started_on >= trend.this_week_start
    task = firing.investigation_task
    assert task.kind == ReviewTask.Kind.DRIFT_INVESTIGATION and task.assignee is not None
    resolved = AlertEpisode.objects.get(engagement=engagement, state=AlertEpisode.State.RESOLVED)
    assert resolved.resolved_on < trend.this_week_start
    assert Silence.objects.filter(engagement=engagement).count() == 1
