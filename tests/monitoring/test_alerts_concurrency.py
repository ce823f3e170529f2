"""Two evaluations of the same engagement at once (two beats, a slow run overlapping the
next) make one alert and send each notice once, on both backends."""

from datetime import timedelta

import pytest
from django.core import mail

from maestro.engagements.models import Engagement
from maestro.monitoring.models import AlertEpisode
from maestro.monitoring.services.alerts import alerts_evaluate
from tests.harness.races import barrier, run_at_once
from tests.monitoring.alert_setup import (
    FIRST_DAY,
    Notices,
    alert_world,
    morning_after,
    no_delivery,  # noqa: F401 - fixture
    notices,
    score,
)
from tests.monitoring.factories import AlertRuleFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_delivery")]


def _race(world, day):
    start = barrier()

    def run():
        engagement = Engagement.objects.select_related("client").get(pk=world.engagement.pk)
        start.wait()
        return alerts_evaluate(engagement=engagement, now=morning_after(day))

    return run_at_once(run, run)


def test_two_runs_at_once_fire_one_alert_with_one_notice():
    world = alert_world()
    AlertRuleFactory(process=world.process)
    AlertRuleFactory(process=world.process, kind="override_ceiling", threshold="0.1000")
    score(world.process, FIRST_DAY, correct=50, overridden=20)

    results = _race(world, FIRST_DAY)

    assert not any(isinstance(result, Exception) for result in results), results
    assert sorted(len(result.fired) for result in results) == [0, 2]
    assert AlertEpisode.objects.filter(state="firing").count() == 2
    assert notices(world) == Notices(tasks=2, fired_hooks=2, resolved_hooks=0, mails=4)


def test_two_runs_at_once_resolve_once():
    world = alert_world()
    AlertRuleFactory(process=world.process)
    score(world.process, FIRST_DAY, correct=50)
    alerts_evaluate(
        engagement=Engagement.objects.select_related("client").get(pk=world.engagement.pk),
        now=morning_after(FIRST_DAY),
    )
    day = FIRST_DAY + timedelta(days=1)
    score(world.process, day)
    mail.outbox.clear()

    results = _race(world, day)

    assert not any(isinstance(result, Exception) for result in results), results
    assert sorted(len(result.resolved) for result in results) == [0, 1]
    assert list(AlertEpisode.objects.values_list("state", flat=True)) == ["resolved"]
    assert notices(world) == Notices(tasks=1, fired_hooks=1, resolved_hooks=1, mails=2)
