"""Drift alerts: evaluating the engagement's rules over its daily scores, driving each rule's
episode pending → firing → resolved, and the notices that go out when one fires or resolves.

Rules, silences and acknowledgements (the people's side) are in `alert_rules`.

The noise rules, after Prometheus Alertmanager and Healthchecks:
- one open episode per rule (a partial unique constraint): a condition that keeps holding
  extends its episode; it never opens a second one or sends a second notice;
- a pending episode (held for fewer than the rule's `for_days` scored days) whose condition
  clears is dropped (deleted, as Alertmanager drops a pending alert): it notified nobody;
- notices go out once, claimed by a conditional UPDATE on `fired_notice_at` /
  `resolved_notice_at` IS NULL, never by an in-memory check;
- an episode that fires under an active silence is recorded and marked silenced, and
  notifies nobody; if it still fires once the silence has ended or was lifted, the next
  evaluation sends its fired notice. A resolved notice goes only where a fired one went.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor, audit_record
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import OPERATOR, engagement_consultants, people_at
from maestro.lib.timezones import iso_week_start, local_today
from maestro.monitoring.alert_display import (
    alert_episode_value,
    alert_rule_scope,
    alert_rule_summary,
)
from maestro.monitoring.models import AlertEpisode, AlertRule, DailyScore, Silence
from maestro.monitoring.rates import COUNTS, SHARE_PLACES, Counts
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import DEFAULT_SLA_MINUTES, review_task_open
from maestro.tenancy.models import User
from maestro.webhooks.models import WebhookEvent
from maestro.webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

# Who the audit trail names for what the evaluation does: the job, not a person.
DRIFT_ALERTS = Actor.system("drift alerts")

# A rule evaluated for the first time (new, or re-enabled) reads only its last `for_days`
# scored days, found within this many days back: it reports a drift under way, not history.
FIRST_EVALUATION_LOOKBACK_DAYS = 62

PENDING = AlertEpisode.State.PENDING
FIRING = AlertEpisode.State.FIRING
RESOLVED = AlertEpisode.State.RESOLVED
Kind = AlertRule.Kind


@dataclass
class AlertEvaluation:
    """What one `alerts_evaluate` run did (episode ids)."""

    rules: int = 0
    days: int = 0
    opened: list[int] = field(default_factory=list)
    fired: list[int] = field(default_factory=list)
    silenced: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    dropped: int = 0


# --- conditions --------------------------------------------------------------------------------


def rule_check(
    rule: AlertRule, *, day: date, series: dict[date, Counts]
) -> tuple[bool, Decimal] | None:
    """(breached, value) for `rule` on the scored `day` of its `series` (day → counts of the
    rule's process and category), or None when the day says nothing about the rule (no
    decision with an outcome, nobody resolved anything): such a day neither extends an episode
    nor clears it. The value is the rate compared, or for a weekly drop the drop itself."""
    counts = series[day]
    if rule.kind == Kind.ACCURACY_FLOOR:
        value = counts.accuracy
        return None if value is None else (value < rule.threshold, value)
    if rule.kind == Kind.ESCALATION_BAND:
        value = counts.escalation_rate
        if value is None:
            return None
        high = rule.threshold_high if rule.threshold_high is not None else Decimal(1)
        return (value < rule.threshold or value > high, value)
    if rule.kind == Kind.OVERRIDE_CEILING:
        value = counts.override_rate
        return None if value is None else (value > rule.threshold, value)
    # Weekly drop: this local ISO week so far against the whole of last week, each from the
    # week's summed counts (never an average of daily rates).
    monday = iso_week_start(day)
    this_week, last_week = Counts(), Counts()
    for other, other_counts in series.items():
        if monday <= other <= day:
            this_week += other_counts
        elif monday - timedelta(days=7) <= other < monday:
            last_week += other_counts
    now, before = this_week.accuracy, last_week.accuracy
    if now is None or before is None:
        return None
    drop = before - now
    return (drop > rule.threshold, max(drop, Decimal(0)))


def _silence_matches(silence: Silence, rule: AlertRule) -> bool:
    return silence.process_id == rule.process_id and silence.rule_id in (None, rule.pk)


def _silenced(rule: AlertRule, silences: Iterable[Silence]) -> bool:
    return any(_silence_matches(silence, rule) for silence in silences)


def silences_active(*, engagement: Engagement, now: datetime) -> list[Silence]:
    return list(
        Silence.objects.filter(
            engagement=engagement, lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        )
    )


# --- evaluation --------------------------------------------------------------------------------


def _series(
    *, engagement: Engagement, rules: list[AlertRule], since: date
) -> dict[tuple[int, str], dict[date, Counts]]:
    """(process id, category) → day → counts, for every rule at once: one query."""
    wanted = {(rule.process_id, rule.category) for rule in rules}
    rows = (
        DailyScore.objects.filter(
            engagement=engagement,
            process_id__in={process for process, _category in wanted},
            category__in={category for _process, category in wanted},
            day__gte=since,
        )
        .order_by("day")
        .values_list("process_id", "category", "day", *COUNTS)
    )
    series: dict[tuple[int, str], dict[date, Counts]] = defaultdict(dict)
    for process_id, category, day, *counts in rows:
        if (process_id, category) in wanted:
            series[process_id, category][day] = Counts(*counts)
    return series


def _days_to_evaluate(rule: AlertRule, days: list[date]) -> list[date]:
    if rule.evaluated_through is None:
        return days[-rule.for_days :]
    return [day for day in days if day > rule.evaluated_through]


@dataclass
class _RuleRun:
    """One rule's walk over its new days: the episodes it touched, in order."""

    open: AlertEpisode | None
    saved: list[AlertEpisode] = field(default_factory=list)  # existing rows changed
    created: list[AlertEpisode] = field(default_factory=list)  # new rows, final state
    dropped: list[int] = field(default_factory=list)  # pending rows deleted
    fired: list[AlertEpisode] = field(default_factory=list)
    resolved: list[AlertEpisode] = field(default_factory=list)

    def touch(self, episode: AlertEpisode) -> None:
        target = self.created if episode.pk is None else self.saved
        if not any(episode is known for known in target):
            target.append(episode)


def _walk(
    rule: AlertRule,
    episode: AlertEpisode | None,
    *,
    days: list[date],
    series: dict[date, Counts],
    silenced: bool,
    now: datetime,
) -> _RuleRun:
    run = _RuleRun(open=episode)
    for day in days:
        check = rule_check(rule, day=day, series=series)
        if check is None:
            continue
        breached, value = check
        episode = run.open
        if breached:
            if episode is None:
                episode = run.open = AlertEpisode(
                    engagement_id=rule.engagement_id,
                    rule=rule,
                    state=PENDING,
                    started_on=day,
                    consecutive_days=0,
                )
            episode.consecutive_days = min(episode.consecutive_days + 1, 32767)
            episode.value = value
            episode.last_evaluated_on = day
            if episode.state == PENDING and episode.consecutive_days >= rule.for_days:
                episode.state = FIRING
                episode.fired_at = now
                episode.silenced = silenced
                run.fired.append(episode)
            run.touch(episode)
        elif episode is not None:
            run.open = None
            if episode.state == PENDING:
                if episode.pk is not None:
                    run.dropped.append(episode.pk)
                    run.saved = [known for known in run.saved if known is not episode]
                else:
                    run.created = [known for known in run.created if known is not episode]
                continue
            episode.state = RESOLVED
            episode.resolved_on = day
            episode.resolved_at = now
            episode.last_evaluated_on = day
            run.resolved.append(episode)
            run.touch(episode)
    return run


_EPISODE_FIELDS = [
    "state",
    "consecutive_days",
    "value",
    "last_evaluated_on",
    "fired_at",
    "silenced",
    "resolved_on",
    "resolved_at",
]


@transaction.atomic
def alerts_evaluate(*, engagement: Engagement, now: datetime | None = None) -> AlertEvaluation:
    """Evaluate every enabled rule of the engagement over the scored days it has not read yet
    (after its `evaluated_through`), in day order, and send the notices of what fired or
    resolved. Call it after scoring; safe to run twice, and twice at once.

    Concurrency: the rules are locked (SELECT … FOR UPDATE; SQLite's write lock) and their
    cursors re-read under the lock, so a second run at the same time waits, then finds no
    new day. Notices are claimed by conditional UPDATEs besides.

    Queries: a constant number for the rules, their open episodes, the scores of every rule
    (one query), the silences and the writes (bulk), plus a few per notice sent.

    A rescore of a day the rule has already read changes the scores but not the alerts: the
    evaluation never re-reads its history (README, "Drift alerts")."""
    now = now or timezone.now()
    result = AlertEvaluation()
    rules = list(
        AlertRule.objects.select_for_update(of=("self",))
        .filter(engagement=engagement, enabled=True)
        .select_related("process")
        .order_by("pk")
    )
    if not rules:
        return result
    result.rules = len(rules)
    open_episodes = {
        episode.rule_id: episode
        for episode in AlertEpisode.objects.filter(rule__in=rules, state__in=[PENDING, FIRING])
    }
    today = local_today(engagement.client.tzinfo, now=now)
    earliest = today - timedelta(days=FIRST_EVALUATION_LOOKBACK_DAYS)
    starts = [
        max(rule.evaluated_through + timedelta(days=1), earliest)
        if rule.evaluated_through
        else earliest
        for rule in rules
    ]
    # A weekly drop reads the week before its first day too.
    since = iso_week_start(min(starts)) - timedelta(days=7)
    series = _series(engagement=engagement, rules=rules, since=since)
    silences = silences_active(engagement=engagement, now=now)

    runs: list[tuple[AlertRule, _RuleRun]] = []
    advanced: list[AlertRule] = []
    for rule in rules:
        rule_series = series.get((rule.process_id, rule.category), {})
        days = _days_to_evaluate(rule, sorted(day for day in rule_series if day >= earliest))
        result.days += len(days)
        if rule.pk in open_episodes:
            open_episodes[rule.pk].rule = rule
        run = _walk(
            rule,
            open_episodes.get(rule.pk),
            days=days,
            series=rule_series,
            silenced=_silenced(rule, silences),
            now=now,
        )
        runs.append((rule, run))
        if days:
            rule.evaluated_through = days[-1]
            advanced.append(rule)

    # Writes in an order the one-open-episode constraint accepts: drop and close first, open
    # after.
    dropped = [pk for _rule, run in runs for pk in run.dropped]
    if dropped:
        AlertEpisode.objects.filter(pk__in=dropped, state=PENDING).delete()
    saved = [episode for _rule, run in runs for episode in run.saved]
    if saved:
        AlertEpisode.objects.bulk_update(saved, _EPISODE_FIELDS)
    created = [episode for _rule, run in runs for episode in run.created]
    if created:
        AlertEpisode.objects.bulk_create(created)
    if advanced:
        AlertRule.objects.bulk_update(advanced, ["evaluated_through"])
    result.dropped = len(dropped)
    result.opened = [episode.pk for episode in created]

    for rule, run in runs:
        for episode in run.fired:
            if episode.silenced:
                result.silenced.append(episode.pk)
                alert_episode_record(
                    AuditEvent.ALERT_FIRED, episode, engagement=engagement, silenced=True
                )
            elif alert_fired_notify(episode=episode, engagement=engagement, now=now):
                result.fired.append(episode.pk)
        for episode in run.resolved:
            alert_episode_record(AuditEvent.ALERT_RESOLVED, episode, engagement=engagement)
            alert_resolved_notify(episode=episode, engagement=engagement, now=now)
            result.resolved.append(episode.pk)
        # Fired under a silence that has ended since: it still fires, so people hear now.
        still_open = run.open
        if (
            still_open is not None
            and still_open.state == FIRING
            and still_open.silenced
            and still_open not in run.fired
            and not _silenced(rule, silences)
        ):
            AlertEpisode.objects.filter(pk=still_open.pk).update(silenced=False)
            still_open.silenced = False
            if alert_fired_notify(
                episode=still_open, engagement=engagement, now=now, silence_ended=True
            ):
                result.fired.append(still_open.pk)
    return result


# --- notices -----------------------------------------------------------------------------------


def alert_episode_record(
    event: AuditEvent,
    episode: AlertEpisode,
    *,
    engagement: Engagement,
    actor: Actor | User = DRIFT_ALERTS,
    **data: Any,
) -> None:
    """The audit entry of an episode that fired or resolved."""
    rule = episode.rule
    before = PENDING if event == AuditEvent.ALERT_FIRED else FIRING
    audit_record(
        event,
        actor=actor,
        client=engagement.client_id,
        engagement=engagement,
        target=episode,
        changes={"state": (before, RESOLVED if event == AuditEvent.ALERT_RESOLVED else FIRING)},
        data={
            "rule": rule.pk,
            "kind": rule.kind,
            "process": rule.process_id,
            "category": rule.category,
            "value": episode.value,
            "started_on": episode.started_on,
            **data,
        },
    )


def _share_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(SHARE_PLACES):f}"


def alert_episode_payload(episode: AlertEpisode) -> dict[str, Any]:
    """The body of `drift_alert.fired` / `drift_alert.resolved` (shares as 4-place strings,
    as in the API)."""
    rule = episode.rule
    return {
        "episode_id": episode.pk,
        "engagement_id": episode.engagement_id,
        "rule_id": rule.pk,
        "kind": rule.kind,
        "process_id": rule.process_id,
        "process": rule.process.name,
        "category": rule.category,
        "threshold": _share_text(rule.threshold),
        "threshold_high": _share_text(rule.threshold_high),
        "for_days": rule.for_days,
        "state": episode.state,
        "value": _share_text(episode.value),
        "started_on": episode.started_on.isoformat(),
        "last_evaluated_on": episode.last_evaluated_on.isoformat(),
        "fired_at": episode.fired_at.isoformat() if episode.fired_at else None,
        "resolved_on": episode.resolved_on.isoformat() if episode.resolved_on else None,
        "investigation_task_id": episode.investigation_task_id,
        "silenced": episode.silenced,
    }


def investigation_task_title(episode: AlertEpisode) -> str:
    rule = episode.rule
    scope = f"{rule.process.name} / {rule.category}" if rule.category else rule.process.name
    return f"Investigate drift: {rule.get_kind_display()} on {scope}"[:300]


def _investigation_task_open(*, episode: AlertEpisode, engagement: Engagement, now: datetime):
    """A drift-investigation task for the engagement's least-loaded operator (the lead
    consultant when the client has none), assigned as escalations are."""
    return review_task_open(
        engagement=engagement,
        kind=ReviewTask.Kind.DRIFT_INVESTIGATION,
        title=investigation_task_title(episode),
        due_at=now + timedelta(minutes=DEFAULT_SLA_MINUTES),
        actor=DRIFT_ALERTS,
        data={"alert_episode": episode.pk},
    )


def alert_recipients(*, engagement: Engagement) -> list[User]:
    """The engagement's consultants and its client's operators, active, with an e-mail
    address: nobody outside the client's engagement."""
    operators = people_at(engagement.client_id, [OPERATOR]).values("pk")
    consultants = engagement_consultants(engagement).values("pk")
    return list(
        User.objects.filter(Q(pk__in=operators) | Q(pk__in=consultants))
        .exclude(email="")
        .order_by("pk")
    )


def _mail(*, episode: AlertEpisode, engagement: Engagement, template: str) -> int:
    """One message per recipient (nobody sees the others' addresses), sent once the
    transaction commits."""
    recipients = alert_recipients(engagement=engagement)
    if not recipients:
        return 0
    context = {
        "episode": episode,
        "rule": episode.rule,
        "summary": alert_rule_summary(episode.rule),
        "scope": alert_rule_scope(episode.rule),
        "value": alert_episode_value(episode),
        "engagement": engagement,
        "client": engagement.client,
        "alerts_url": settings.SITE_URL + reverse("monitoring:alerts", args=[engagement.pk]),
        "task_url": (
            settings.SITE_URL + episode.investigation_task.get_absolute_url()
            if episode.investigation_task_id and episode.investigation_task
            else ""
        ),
    }
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    messages = []
    for user in recipients:
        message = EmailMultiAlternatives(subject, text, None, [user.email])
        message.attach_alternative(html, "text/html")
        messages.append(message)

    def send() -> None:
        get_connection().send_messages(messages)

    transaction.on_commit(send)
    return len(messages)


def alert_fired_notify(
    *, episode: AlertEpisode, engagement: Engagement, now: datetime, silence_ended: bool = False
) -> bool:
    """The fired notice, once per episode (claimed by a conditional UPDATE): the
    investigation task, the e-mail and `drift_alert.fired`. False if it went out already."""
    won = AlertEpisode.objects.filter(
        pk=episode.pk, fired_notice_at__isnull=True, silenced=False
    ).update(fired_notice_at=now)
    if not won:
        return False
    task = _investigation_task_open(episode=episode, engagement=engagement, now=now)
    AlertEpisode.objects.filter(pk=episode.pk).update(investigation_task=task)
    episode.fired_notice_at, episode.investigation_task = now, task
    extra: dict[str, Any] = {"silence_ended": True} if silence_ended else {}
    alert_episode_record(
        AuditEvent.ALERT_FIRED, episode, engagement=engagement, task=task.pk, **extra
    )
    _mail(episode=episode, engagement=engagement, template="monitoring/email/alert_fired")
    webhook_event_emit(
        engagement=engagement,
        event=WebhookEvent.DRIFT_ALERT_FIRED,
        payload=alert_episode_payload(episode),
    )
    return True


def alert_resolved_notify(*, episode: AlertEpisode, engagement: Engagement, now: datetime) -> bool:
    """The resolved notice, once, and only for an episode whose fired notice went out."""
    won = AlertEpisode.objects.filter(
        pk=episode.pk,
        state=RESOLVED,
        fired_notice_at__isnull=False,
        resolved_notice_at__isnull=True,
    ).update(resolved_notice_at=now)
    if not won:
        return False
    episode.resolved_notice_at = now
    _mail(episode=episode, engagement=engagement, template="monitoring/email/alert_resolved")
    webhook_event_emit(
        engagement=engagement,
        event=WebhookEvent.DRIFT_ALERT_RESOLVED,
        payload=alert_episode_payload(episode),
    )
    return True
