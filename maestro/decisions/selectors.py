"""Reads of live decisions: API keys, decision lists, deployment metrics and economics."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.decisions import hooks
from maestro.decisions.models import AgentApiKey, Decision
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for, require_engagement_manager
from maestro.mapping.models import Process
from maestro.tenancy.models import User

HOURS_PER_FTE = Decimal(8)


def agent_api_key_list(*, engagement: Engagement, user: User) -> QuerySet[AgentApiKey]:
    """The engagement's keys, newest first. Consultants only: NotPermitted for others."""
    require_engagement_manager(
        user, engagement, message=_("Only the engagement's consultants can see its API keys.")
    )
    return engagement.api_keys.select_related("created_by").order_by("-created_at", "-pk")


def agent_api_key_visible_to(*, user: User) -> QuerySet[AgentApiKey]:
    return AgentApiKey.objects.filter(engagement__in=engagements_for(user)).select_related(
        "engagement__lead", "created_by"
    )


def decision_test_counts(*, engagement: Engagement) -> dict[str, int]:
    """What removing the engagement's test decisions would remove: the decisions, their
    review tasks and how many of those are still open. One query."""
    return (
        Decision.objects.test()
        .filter(engagement=engagement)
        .aggregate(
            decisions=Count("pk"),
            review_tasks=Count("review_task"),
            open_review_tasks=Count("review_task", filter=Q(review_task__status="open")),
        )
    )


def decision_list_for_user(*, user: User) -> QuerySet[Decision]:
    return Decision.objects.filter(engagement__in=engagements_for(user)).select_related(
        "process", "decision_type", "playbook_version"
    )


def decision_record_for_user(*, user: User) -> QuerySet[Decision]:
    """The decision record as the API reads it: every decision of the user's engagements (live
    and test) with what a row shows — process, decision type, playbook version, review task
    and its assignee — in one query, newest first."""
    return (
        Decision.objects.filter(engagement__in=engagements_for(user))
        .select_related("process", "decision_type", "playbook_version", "review_task__assignee")
        .order_by("-received_at", "-pk")
    )


def decision_get_for_user(*, user: User, pk: int) -> Decision:
    """One decision with its process, version and review task (assignee), or Http404."""
    return get_object_or_404(
        decision_list_for_user(user=user).select_related(
            "engagement", "review_task__assignee", "playbook_version__playbook"
        ),
        pk=pk,
    )


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def deployment_metrics(*, engagement: Engagement) -> dict:
    """Volume, escalation, override and accuracy rates and review-task load, in two queries.
    Live decisions only (and the review tasks of live decisions): a test key's never count.

    - escalation rate: share of decisions routed to a human;
    - override rate: of decisions a reviewer resolved, the share whose outcome differed;
    - accuracy: of decisions with a confirmed outcome (review or feedback), the share where the
      agent's proposal was right.
    Rates are None when there is nothing to divide by.
    """
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    confirmed = ~Q(outcome_source="")
    reviewed = Q(outcome_source=Decision.OutcomeSource.REVIEW)
    counts = (
        Decision.objects.live()
        .filter(engagement=engagement)
        .aggregate(
            total=Count("pk"),
            today=Count("pk", filter=Q(received_at__gte=today)),
            last_7_days=Count("pk", filter=Q(received_at__gte=now - timedelta(days=7))),
            human=Count("pk", filter=Q(route=Decision.Route.HUMAN)),
            reviewed=Count("pk", filter=reviewed),
            n_overridden=Count("pk", filter=reviewed & Q(overridden=True)),
            confirmed=Count("pk", filter=confirmed),
            correct=Count("pk", filter=confirmed & Q(overridden=False)),
        )
    )
    tasks = engagement.review_tasks.exclude(decision__is_test=True).aggregate(
        open=Count("pk", filter=Q(status="open")),
        overdue=Count("pk", filter=Q(status="open", due_at__lt=now)),
    )
    return {
        "volume": {
            "total": counts["total"],
            "today": counts["today"],
            "last_7_days": counts["last_7_days"],
        },
        "escalation_rate": _rate(counts["human"], counts["total"]),
        "override_rate": _rate(counts["n_overridden"], counts["reviewed"]),
        "accuracy": _rate(counts["correct"], counts["confirmed"]),
        "reviewed": counts["reviewed"],
        "confirmed": counts["confirmed"],
        "open_tasks": tasks["open"],
        "overdue_tasks": tasks["overdue"],
    }


@dataclass(frozen=True)
class DailyVolume:
    """Decisions received on one local calendar day, by route."""

    day: date
    auto: int
    human: int

    @property
    def total(self) -> int:
        return self.auto + self.human

    @property
    def escalation_rate(self) -> Decimal | None:
        return _rate(self.human, self.total)


def decision_daily_volume(
    *,
    engagement: Engagement,
    process_id: int | None = None,
    days: int = 14,
    now: datetime | None = None,
) -> list[DailyVolume]:
    """Decisions per day over the last `days` local days (today included), oldest first, auto vs
    human, of the engagement or one of its processes (live decisions only); days without
    decisions are zeros. One aggregate query grouped by route and the day's index, found by
    comparing with local midnights (TruncDate costs a per-row Python call on SQLite: 0.45 s for
    100k decisions, this 0.1 s)."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now or timezone.now(), tz)
    first = today - timedelta(days=days - 1)
    # Local midnights, so a day is 23 or 25 hours long across a DST change, as people count it.
    bounds = [
        timezone.make_aware(datetime.combine(first + timedelta(days=i), time.min), tz)
        for i in range(days + 1)
    ]
    decisions = Decision.objects.live().filter(
        engagement=engagement, received_at__gte=bounds[0], received_at__lt=bounds[-1]
    )
    if process_id is not None:
        decisions = decisions.filter(process_id=process_id)
    # Each row's day as an index 0…days-1 (received_at is already within the range).
    day_index = Case(
        *(When(received_at__lt=bounds[i + 1], then=Value(i)) for i in range(days - 1)),
        default=Value(days - 1),
        output_field=IntegerField(),
    )
    counts: dict[tuple[int, str], int] = {
        (row["day"], row["route"]): row["n"]
        for row in decisions.annotate(day=day_index)
        .values("day", "route")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return [
        DailyVolume(
            day=first + timedelta(days=i),
            auto=counts.get((i, Decision.Route.AUTO), 0),
            human=counts.get((i, Decision.Route.HUMAN), 0),
        )
        for i in range(days)
    ]


@dataclass(frozen=True)
class Economics:
    """Hours of human work a process takes and what the agent frees (PRODUCT.md "Economics")."""

    process: Process | None
    volume_per_day: int
    minutes_per_case: int
    hours_per_day: Decimal
    automation_rate: Decimal | None  # None: not measured yet (no live decisions)
    decisions: int
    hours_freed_per_day: Decimal | None
    fte_freed: Decimal | None
    # What the automation rate was measured over (ALL_LIVE_DECISIONS, or a week's daily scores).
    automation_basis: str = ""


def economics_compute(
    *, volume_per_day: int, minutes_per_case: int, automation_rate: Decimal | None
) -> tuple[Decimal, Decimal | None, Decimal | None]:
    """(hours/day, hours freed/day, FTE freed): 200 × 12 min = 40 h; at 0.85, 34 h, 4.25 FTE."""
    hours = Decimal(volume_per_day) * Decimal(minutes_per_case) / Decimal(60)
    if automation_rate is None:
        return hours, None, None
    freed = hours * automation_rate
    return hours, freed, freed / HOURS_PER_FTE


ALL_LIVE_DECISIONS = "all live decisions so far"


def process_economics(*, engagement: Engagement) -> list[Economics]:
    """Per process of the engagement, with the measured automation rate: the weekly figure
    from the daily scores when the layers above provide one (decisions.hooks; monitoring: the
    last full local week, else this week so far), else the share of all its live decisions
    routed auto (a test key's decisions never count). One query, plus the provider's."""
    weekly = hooks.measured_automation_rates(engagement=engagement)
    live = Q(decisions__is_test=False)
    processes = Process.objects.filter(engagement=engagement).annotate(
        decision_count=Count("decisions", filter=live),
        auto_count=Count("decisions", filter=live & Q(decisions__route=Decision.Route.AUTO)),
    )
    rows = []
    for process in processes.order_by("name"):
        measured = weekly.get(process.pk)
        rate: Decimal | None
        if measured is not None:
            rate, basis = measured.rate, measured.basis
        else:
            rate = _rate(process.auto_count, process.decision_count)
            basis = ALL_LIVE_DECISIONS if rate is not None else ""
        hours, freed, fte = economics_compute(
            volume_per_day=process.volume_per_day,
            minutes_per_case=process.minutes_per_case,
            automation_rate=rate,
        )
        rows.append(
            Economics(
                process=process,
                volume_per_day=process.volume_per_day,
                minutes_per_case=process.minutes_per_case,
                hours_per_day=hours,
                automation_rate=rate,
                decisions=process.decision_count,
                hours_freed_per_day=freed,
                fte_freed=fte,
                automation_basis=basis,
            )
        )
    return rows


def economics_total(rows: list[Economics]) -> dict:
    """Sum over processes; hours freed only over processes already measured."""
    measured = [r for r in rows if r.hours_freed_per_day is not None]
    freed = sum((r.hours_freed_per_day for r in measured if r.hours_freed_per_day), Decimal(0))
    return {
        "hours_per_day": sum((r.hours_per_day for r in rows), Decimal(0)),
        "hours_freed_per_day": freed if measured else None,
        "fte_freed": freed / HOURS_PER_FTE if measured else None,
        "measured_processes": len(measured),
        "processes": len(rows),
    }
