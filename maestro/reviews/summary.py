"""Review-task figures for the sponsor's summary and the engagement list: open and overdue tasks
(a test key's decisions never count, as on the Deployment panel). The composition layer adds
them through maestro.engagements.hooks. One query for any number of engagements."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from maestro.engagements.models import Engagement
from maestro.reviews.models import ReviewTask


def _open_tasks(engagement_ids: Sequence[int]):
    # A task about no decision (drift investigation, weekly review) counts; one about a test
    # decision does not.
    return ReviewTask.objects.filter(
        Q(decision__isnull=True) | Q(decision__is_test=False),
        engagement_id__in=engagement_ids,
        status=ReviewTask.Status.OPEN,
    )


def engagement_list_tasks(
    engagements: Sequence[Engagement], *, now: datetime | None = None
) -> Mapping[int, Mapping[str, Any]]:
    """Engagement id → {"open_tasks": n, "overdue_tasks": n}, every engagement present."""
    now = now or timezone.now()
    counts = {
        row["engagement_id"]: row
        for row in _open_tasks([e.pk for e in engagements])
        .values("engagement_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
        .order_by()
    }
    return {
        e.pk: {
            "open_tasks": counts.get(e.pk, {}).get("open", 0),
            "overdue_tasks": counts.get(e.pk, {}).get("overdue", 0),
        }
        for e in engagements
    }


def engagement_overdue_tasks(
    *, engagement: Engagement, limit: int = 5, now: datetime | None = None
) -> list[ReviewTask]:
    """The engagement's most overdue open tasks (longest overdue first), with their assignee."""
    now = now or timezone.now()
    return list(
        _open_tasks([engagement.pk])
        .filter(due_at__lt=now)
        .select_related("assignee")
        .order_by("due_at", "pk")[:limit]
    )
