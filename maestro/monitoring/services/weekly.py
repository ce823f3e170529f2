"""The weekly reviews: each client's local Monday morning, an edge-case review task per live
process that logged new edge cases in the past week, and a summary e-mail to the consultants
and operators of every live engagement.

An hourly job (maestro/schedules.py) asks which engagements have reached their client's Monday
morning and fans out one task per engagement. Each review is made at most once, whatever the
number of runs or workers: a WeeklyReview row per (process, week) or (engagement, week),
unique in the database, is claimed in the same transaction that makes the task or queues the
e-mail; a second run, even one racing the first, fails the insert and does nothing.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from maestro.audit.services import Actor
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import OPERATOR, engagement_consultants, people_at
from maestro.lib.timezones import iso_week_start, local_day_bounds, local_week_bounds
from maestro.mapping.models import Process
from maestro.monitoring.models import AlertEpisode, WeeklyReview
from maestro.monitoring.selectors.trend import (
    LIVE_PHASES,
    EngagementTrend,
    engagement_trend,
    trend_sentence,
)
from maestro.monitoring.tasks_weekly import weekly_reviews_run_task
from maestro.reviews.models import EdgeCase, ReviewTask
from maestro.reviews.services import review_task_open
from maestro.tenancy.models import User

# Who the audit trail names for the tasks the Monday job opens.
WEEKLY_REVIEWS = Actor.system("weekly reviews")
# The client's local hour on Monday from which the week's reviews are made ("Monday morning");
# a run later that Monday catches up on any it missed.
MONDAY_HOUR = 7
# An edge-case review task is due at the end of the local Wednesday after its Monday.
EDGE_CASE_REVIEW_DUE_DAYS = 3
# At most this many edge cases are named in a task's note and the e-mail; the log has them all.
LISTED_EDGE_CASES = 20


def _claim(**fields: Any) -> WeeklyReview | None:
    """Insert the week's WeeklyReview row, or None when another run already holds it (the
    unique constraint decides; on PostgreSQL a racing insert waits for the first to commit)."""
    try:
        with transaction.atomic():
            return WeeklyReview.objects.create(**fields)
    except IntegrityError:
        return None


# --- which engagements are due --------------------------------------------------------------


def weekly_reviews_due(*, now: datetime | None = None) -> list[tuple[int, date]]:
    """(engagement id, the Monday of the week to review) for each live engagement whose client
    is past 07:00 on its local Monday and has no summary for the past week yet. Two queries."""
    now = now or timezone.now()
    due: list[tuple[int, date]] = []
    for engagement_id, time_zone in Engagement.objects.filter(phase__in=LIVE_PHASES).values_list(
        "pk", "client__time_zone"
    ):
        local = timezone.localtime(now, ZoneInfo(time_zone))
        if local.weekday() == 0 and local.hour >= MONDAY_HOUR:
            due.append((engagement_id, local.date() - timedelta(days=7)))
    if not due:
        return []
    done = set(
        WeeklyReview.objects.filter(kind=WeeklyReview.Kind.SUMMARY)
        .filter(
            Q(*[Q(engagement_id=e, week=w) for e, w in due], _connector=Q.OR),
        )
        .values_list("engagement_id", "week")
    )
    return [pair for pair in due if pair not in done]


@transaction.atomic
def weekly_reviews_fan_out(*, now: datetime | None = None) -> int:
    """Queue one weekly_reviews_run_task per due engagement, after commit. Returns how many.
    Safe to run often or twice at once: the per-engagement task claims its rows."""
    due = weekly_reviews_due(now=now)
    for engagement_id, week in due:
        transaction.on_commit(
            partial(weekly_reviews_run_task.delay, engagement_id, week.isoformat())
        )
    return len(due)


def weekly_reviews_run(*, engagement_id: int, week: date, now: datetime | None = None) -> None:
    """The week's edge-case review tasks, then the summary e-mail, of one engagement (a no-op
    for an engagement no longer live, or one whose reviews are done)."""
    engagement = (
        Engagement.objects.select_related("client", "lead")
        .filter(pk=engagement_id, phase__in=LIVE_PHASES)
        .first()
    )
    if engagement is None:
        return
    week = iso_week_start(week)
    edge_case_reviews_open(engagement=engagement, week=week, now=now)
    weekly_summary_send(engagement=engagement, week=week, now=now)


# --- the edge-case review -------------------------------------------------------------------


def _edge_cases_of_week(engagement: Engagement, week: date) -> list[EdgeCase]:
    start, end = local_week_bounds(week, engagement.client.tzinfo)
    return list(
        EdgeCase.objects.filter(engagement=engagement, flagged_at__gte=start, flagged_at__lt=end)
        .select_related("decision__process", "flagged_by")
        .order_by("flagged_at", "pk")
    )


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def edge_case_review_note(*, engagement: Engagement, week: date, cases: list[EdgeCase]) -> str:
    """What the task's history shows under "assigned": the cases, and where to review them."""
    tz = engagement.client.tzinfo
    lines = [
        f"{len(cases)} new edge case{'s' if len(cases) != 1 else ''} logged in the week of "
        f"{week:%-d %b %Y}:"
    ]
    for case in cases[:LISTED_EDGE_CASES]:
        lines.append(
            f"- case {case.decision.case_ref} ({timezone.localtime(case.flagged_at, tz):%a %-d %b}"
            f"): {case.note} {_site_url(reverse('decisions:detail', args=[case.decision_id]))}"
        )
    if len(cases) > LISTED_EDGE_CASES:
        lines.append(f"- and {len(cases) - LISTED_EDGE_CASES} more.")
    lines.append(
        "Review them in the edge-case log: "
        + _site_url(reverse("reviews:edge-cases", args=[engagement.pk]))
    )
    return "\n".join(lines)


def edge_case_reviews_open(
    *, engagement: Engagement, week: date, now: datetime | None = None
) -> list[ReviewTask]:
    """One EDGE_CASE_REVIEW task per process of the engagement that logged edge cases in the
    local week starting `week` (by flagged_at), assigned least-loaded to the client's operators
    and audited as the weekly job. Processes already reviewed that week are skipped."""
    by_process: dict[int, list[EdgeCase]] = defaultdict(list)
    for case in _edge_cases_of_week(engagement, week):
        by_process[case.decision.process_id].append(case)
    tz = engagement.client.tzinfo
    due_at, _end = local_day_bounds(week + timedelta(days=7 + EDGE_CASE_REVIEW_DUE_DAYS), tz)
    opened = []
    for process_id, cases in sorted(by_process.items()):
        process: Process = cases[0].decision.process
        with transaction.atomic():
            review = _claim(
                engagement=engagement,
                process_id=process_id,
                kind=WeeklyReview.Kind.EDGE_CASES,
                week=week,
            )
            if review is None:
                continue  # another run made this week's task
            task = review_task_open(
                engagement=engagement,
                kind=ReviewTask.Kind.EDGE_CASE_REVIEW,
                title=(
                    f"Weekly edge-case review: {process.name}, {len(cases)} new in the week "
                    f"of {week:%-d %b}"
                ),
                due_at=due_at,
                actor=WEEKLY_REVIEWS,
                note=edge_case_review_note(engagement=engagement, week=week, cases=cases),
            )
            review.task = task
            review.save(update_fields=["task"])
        opened.append(task)
    return opened


# --- the summary e-mail ---------------------------------------------------------------------


def weekly_summary_recipients(*, engagement: Engagement) -> list[User]:
    """The engagement's consultants (lead and members still consulting at its client) and the
    client's operators, active, with an e-mail address; by name. Two queries."""
    people = {u.pk: u for u in engagement_consultants(engagement)}
    people.update({u.pk: u for u in people_at(engagement.client_id, [OPERATOR])})
    return sorted((u for u in people.values() if u.email), key=lambda u: (str(u).lower(), u.pk))


@dataclass(frozen=True)
class WeeklySummary:
    engagement: Engagement
    week: date
    trend: EngagementTrend
    context: dict[str, Any]
    subject: str
    text: str
    html: str


def weekly_summary_build(
    *, engagement: Engagement, week: date, now: datetime | None = None
) -> WeeklySummary:
    """The summary of the local week starting `week` (a Monday) against the week before: the
    subject, text and HTML parts. Reads only this engagement's rows, so it names no other
    client's data. A constant number of queries."""
    now = now or timezone.now()
    week = iso_week_start(week)
    tz = engagement.client.tzinfo
    start, end = local_week_bounds(week, tz)
    trend = engagement_trend(engagement=engagement, week=week, now=now)
    current, previous = f"in the week of {week:%-d %b}", "in the week before"
    fired = list(
        AlertEpisode.objects.filter(engagement=engagement, fired_at__gte=start, fired_at__lt=end)
        .select_related("rule__process")
        .order_by("fired_at", "pk")
    )
    still_open = list(
        AlertEpisode.objects.filter(
            engagement=engagement,
            state__in=[AlertEpisode.State.PENDING, AlertEpisode.State.FIRING],
        )
        .select_related("rule__process")
        .order_by("started_on", "pk")
    )
    overdue = list(
        ReviewTask.objects.filter(engagement=engagement, status=ReviewTask.Status.OPEN)
        .filter(due_at__lt=now)
        .exclude(decision__is_test=True)
        .select_related("assignee")
        .order_by("due_at", "pk")
    )
    edge_cases = _edge_cases_of_week(engagement, week)
    context: dict[str, Any] = {
        "engagement": engagement,
        "client": engagement.client,
        "week": week,
        "week_end": week + timedelta(days=6),
        "trend": trend,
        "sentence": trend_sentence(
            trend.overall.this_week.accuracy,
            trend.overall.last_week.accuracy,
            current=current,
            previous=previous,
        ),
        "processes": [
            {
                "name": t.process.name if t.process else "",
                "sentence": trend_sentence(
                    t.this_week.accuracy, t.last_week.accuracy, current=current, previous=previous
                ),
                "volume": t.this_week.volume,
            }
            for t in trend.processes
            if t.this_week.volume or t.last_week.volume
        ],
        "changes": trend.overall.changes,
        "volume": trend.overall.this_week.volume,
        "fired": fired,
        "open_alerts": still_open,
        "overdue": overdue[:LISTED_EDGE_CASES],
        "overdue_count": len(overdue),
        "edge_cases": edge_cases[:LISTED_EDGE_CASES],
        "edge_case_count": len(edge_cases),
        "monitoring_url": _site_url(reverse("monitoring:engagement", args=[engagement.pk])),
        "edge_cases_url": _site_url(reverse("reviews:edge-cases", args=[engagement.pk])),
        "tasks_url": _site_url(reverse("reviews:engagement-tasks", args=[engagement.pk])),
    }
    subject = (
        f"{engagement.client.name} · {engagement.name}: week of {week:%-d %b %Y}, "
        f"{str(context['sentence']).rstrip('.')}"
    )
    return WeeklySummary(
        engagement=engagement,
        week=week,
        trend=trend,
        context=context,
        subject=subject.replace("\n", " ")[:200],
        text=render_to_string("monitoring/email/summary.txt", context),
        html=render_to_string("monitoring/email/summary.html", context),
    )


def weekly_summary_send(
    *, engagement: Engagement, week: date, now: datetime | None = None
) -> WeeklyReview | None:
    """E-mail the week's summary (HTML and text) to each recipient, once per (engagement,
    week): the WeeklyReview row is claimed first and the mail leaves after it commits. A
    failed send is not retried (at most once: a second summary is worse than a missing one),
    and a run that finds the row already claimed sends nothing."""
    recipients = weekly_summary_recipients(engagement=engagement)
    with transaction.atomic():
        review = _claim(
            engagement=engagement,
            kind=WeeklyReview.Kind.SUMMARY,
            week=iso_week_start(week),
            recipients=len(recipients),
        )
        if review is None:
            return None
        summary = weekly_summary_build(engagement=engagement, week=week, now=now)
        messages = []
        for user in recipients:
            message = EmailMultiAlternatives(summary.subject, summary.text, None, [user.email])
            message.attach_alternative(summary.html, "text/html")
            messages.append(message)
        if messages:
            transaction.on_commit(lambda: get_connection().send_messages(messages))
    return review
