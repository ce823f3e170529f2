"""The demo's feedback loops on its live procurement process: two weeks of daily scores
(94.1% correct last week, 92.3% this week so far), an accuracy floor whose alert is firing
with its drift-investigation task, an override-ceiling episode that resolved last week, and a
silence on the escalation band for a planned policy change.

The daily scores are written directly, as the scoring job would store them: their figures are
chosen so the weekly trend reads exactly as the article's example whatever weekday the demo is
seeded on (this week's last row balances the days before it). Seeded once: skipped when the
process has scores.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from maestro.audit.services import Actor
from maestro.engagements.models import Engagement
from maestro.lib.timezones import iso_week_start, local_day_bounds, local_today
from maestro.mapping.models import Process
from maestro.monitoring.models import AlertEpisode, AlertRule, DailyScore, Silence
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import review_task_open
from maestro.tenancy.models import User

PROCESS = "Procurement approval"
# Last week, Monday to Sunday: (decisions with an outcome, correct); 941 of 1000 = 94.1%.
LAST_WEEK = [(150, 141), (160, 151), (155, 146), (145, 136), (150, 141), (120, 113), (120, 113)]
# This week: 130 with an outcome a day, 120 correct on average (92.3%); the days before today
# wobble by these, and today takes up the difference. Every day of last week is above the 93%
# floor and every day of this week after Monday below it, as the alert's history says.
THIS_WEEK_WOBBLE = [3, -1, -2, 0, 0, 0]
FLOOR = Decimal("0.9300")
DRIFT_ALERTS = Actor.system("drift alerts")


def _score(process: Process, day: date, with_outcome: int, correct: int, now: datetime):
    volume = round(with_outcome * 1.1)
    escalated = round(volume * 0.18)
    return DailyScore(
        engagement=process.engagement,
        process=process,
        day=day,
        volume=volume,
        with_outcome=with_outcome,
        correct=correct,
        auto_routed=volume - escalated,
        escalated=escalated,
        human_resolved=escalated,
        overridden=max(escalated - round(escalated * correct / with_outcome), 0),
        computed_at=now,
    )


def monitoring_demo_seed(*, engagement: Engagement, by: User, now: datetime) -> None:
    process = Process.objects.filter(engagement=engagement, name=PROCESS).first()
    if process is None or DailyScore.objects.filter(process=process).exists():
        return
    tz = engagement.client.tzinfo
    today = local_today(tz, now=now)
    monday = iso_week_start(today)
    last_monday = monday - timedelta(days=7)
    scores = [
        _score(process, last_monday + timedelta(days=i), n, c, now)
        for i, (n, c) in enumerate(LAST_WEEK)
    ]
    days_so_far = (today - monday).days + 1
    wobble = THIS_WEEK_WOBBLE[: days_so_far - 1]
    for i, w in enumerate(wobble):
        scores.append(_score(process, monday + timedelta(days=i), 130, 120 + w, now))
    scores.append(_score(process, today, 130, 120 - sum(wobble), now))
    DailyScore.objects.bulk_create(scores)

    floor = AlertRule.objects.create(
        engagement=engagement, process=process, kind=AlertRule.Kind.ACCURACY_FLOOR,
        threshold=FLOOR, created_by=by,
    )  # fmt: skip
    ceiling = AlertRule.objects.create(
        engagement=engagement, process=process, kind=AlertRule.Kind.OVERRIDE_CEILING,
        threshold=Decimal("0.1000"), created_by=by,
    )  # fmt: skip
    band = AlertRule.objects.create(
        engagement=engagement, process=process, kind=AlertRule.Kind.ESCALATION_BAND,
        threshold=Decimal("0.0500"), threshold_high=Decimal("0.3000"), created_by=by,
    )  # fmt: skip

    # This week's first day under the floor fired the alert, with its investigation task.
    first_below = next(s for s in scores if s.day >= monday and s.accuracy < FLOOR)
    fired_at = local_day_bounds(first_below.day, tz)[0] + timedelta(hours=6)
    fired_at = min(fired_at, now)
    task = review_task_open(
        engagement=engagement,
        kind=ReviewTask.Kind.DRIFT_INVESTIGATION,
        title=f"Drift investigation: {PROCESS} accuracy below {FLOOR * 100:.0f}%",
        due_at=fired_at + timedelta(days=1),
        actor=DRIFT_ALERTS,
        note=f"Accuracy {first_below.accuracy * 100:.1f}% on {first_below.day:%-d %b}, under "
        f"the {FLOOR * 100:.0f}% floor. Compare the week's overrides with last week's.",
    )
    ReviewTask.objects.filter(pk=task.pk).update(created_at=fired_at)
    AlertEpisode.objects.create(
        engagement=engagement, rule=floor, state=AlertEpisode.State.FIRING,
        started_on=first_below.day, last_evaluated_on=today, consecutive_days=1,
        value=scores[-1].accuracy, fired_at=fired_at, fired_notice_at=fired_at,
        investigation_task=task,
    )  # fmt: skip
    # Last Wednesday and Thursday the override rate ran high, then settled.
    started = last_monday + timedelta(days=2)
    AlertEpisode.objects.create(
        engagement=engagement, rule=ceiling, state=AlertEpisode.State.RESOLVED,
        started_on=started, last_evaluated_on=started + timedelta(days=2), consecutive_days=2,
        value=Decimal("0.1240"), fired_at=local_day_bounds(started, tz)[1],
        fired_notice_at=local_day_bounds(started, tz)[1],
        resolved_on=started + timedelta(days=2),
        resolved_at=local_day_bounds(started + timedelta(days=2), tz)[1],
        resolved_notice_at=local_day_bounds(started + timedelta(days=2), tz)[1],
    )  # fmt: skip
    Silence.objects.create(
        engagement=engagement, process=process, rule=band,
        starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=6),
        reason="Planned policy change: compliance purchases all go to a human this week.",
        created_by=by,
    )  # fmt: skip
