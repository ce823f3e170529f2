"""Reads of check-ins: one (scoped to the user), a plan's upcoming and past ones, and the
check-ins of a person's calendar feed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from handoff.models import CheckIn, SkillTransferPlan
from maestro.engagements.scoping import engagements_for
from maestro.tenancy.models import User

# The calendar feed: check-ins from this far back to this far ahead, at most FEED_MAX_EVENTS
# (the earliest first are dropped when over: the feed keeps the upcoming ones).
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)
FEED_MAX_EVENTS = 500


def plan_list_for_user(*, user: User) -> QuerySet[SkillTransferPlan]:
    return SkillTransferPlan.objects.filter(engagement__in=engagements_for(user))


def plan_get_for_user(*, user: User, pk: int) -> SkillTransferPlan:
    """The plan if the user may see its engagement, else Http404."""
    return get_object_or_404(
        plan_list_for_user(user=user).select_related("engagement__client", "operator"), pk=pk
    )


def check_in_list_for_user(*, user: User) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(plan__engagement__in=engagements_for(user)).select_related(
        "plan__engagement__client", "plan__operator", "recorded_by"
    )


def check_in_get_for_user(*, user: User, pk: int) -> CheckIn:
    """The check-in if the user may see its engagement, else Http404."""
    return get_object_or_404(check_in_list_for_user(user=user), pk=pk)


def check_in_list_for_plan(*, plan: SkillTransferPlan, status: str | None = None):
    rows = CheckIn.objects.filter(plan=plan).select_related("recorded_by")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-scheduled_at", "-pk")


@dataclass(frozen=True)
class PlanCheckIns:
    upcoming: list[CheckIn]  # scheduled, not yet ended, soonest first
    past: list[CheckIn]  # the rest (recorded, missed, cancelled, or ended), latest first


def plan_check_ins(*, plan: SkillTransferPlan, now: datetime | None = None) -> PlanCheckIns:
    """A plan's check-ins split for its page. Two queries whatever their number (the rows,
    and their recorders)."""
    now = now or timezone.now()
    rows = list(
        CheckIn.objects.filter(plan=plan)
        .select_related("recorded_by")
        .prefetch_related("follow_ups__task")
        .order_by("scheduled_at", "pk")
    )
    upcoming = [
        c
        for c in rows
        if c.status == CheckIn.Status.SCHEDULED
        and c.scheduled_at + timedelta(minutes=c.duration_minutes) > now
    ]
    ids = {c.pk for c in upcoming}
    past = [c for c in reversed(rows) if c.pk not in ids]
    return PlanCheckIns(upcoming=upcoming, past=past)


def calendar_check_ins(*, user: User, now: datetime | None = None) -> list[CheckIn]:
    """The check-ins of a person's calendar feed: those they take part in (the plan's
    operator, its author, or a consultant of the engagement, lead or member) at engagements
    they can still see, from FEED_PAST ago to FEED_AHEAD ahead, in every status (cancelled
    ones so calendars drop them), at most FEED_MAX_EVENTS, soonest last. One query."""
    now = now or timezone.now()
    mine = (
        Q(plan__operator=user)
        | Q(plan__created_by=user)
        | Q(plan__engagement__lead=user)
        | Q(plan__engagement__members=user)
    )
    ids = (
        CheckIn.objects.filter(plan__engagement__in=engagements_for(user))
        .filter(mine)
        .filter(scheduled_at__gte=now - FEED_PAST, scheduled_at__lte=now + FEED_AHEAD)
        .values("pk")
    )
    rows = (
        CheckIn.objects.filter(pk__in=ids)
        .select_related("plan__engagement__client", "plan__operator")
        .order_by("-scheduled_at", "-pk")[:FEED_MAX_EVENTS]
    )
    return list(reversed(rows))
