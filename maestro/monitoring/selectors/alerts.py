"""Reads of drift alerts — rules, episodes, silences — scoped through engagements_for(user):
another tenant's rows are absent (404). Everyone on the engagement reads them."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for
from maestro.monitoring.models import AlertEpisode, AlertRule, Silence
from maestro.tenancy.models import User


def alert_rule_list_for_user(*, user: User) -> QuerySet[AlertRule]:
    return AlertRule.objects.filter(engagement__in=engagements_for(user)).select_related(
        "process", "engagement__client"
    )


def alert_rule_list_for_engagement(*, engagement: Engagement) -> QuerySet[AlertRule]:
    """The caller has scoped `engagement` to its user."""
    return (
        AlertRule.objects.filter(engagement=engagement)
        .select_related("process")
        .order_by("process__name", "process_id", "category", "kind")
    )


def alert_rule_get_for_user(*, user: User, pk: int) -> AlertRule:
    # The members: can_manage_engagement reads them to decide who may edit.
    return get_object_or_404(
        alert_rule_list_for_user(user=user).prefetch_related("engagement__members"), pk=pk
    )


def alert_episode_list_for_engagement(
    *,
    engagement: Engagement,
    state: str | None = None,
    process_id: int | None = None,
    kind: str | None = None,
    silenced: bool | None = None,
) -> QuerySet[AlertEpisode]:
    """Open episodes first (firing, then pending), then the latest resolved."""
    episodes = AlertEpisode.objects.filter(engagement=engagement).select_related(
        "rule__process", "acknowledged_by"
    )
    if state:
        episodes = episodes.filter(state=state)
    if process_id:
        episodes = episodes.filter(rule__process_id=process_id)
    if kind:
        episodes = episodes.filter(rule__kind=kind)
    if silenced is not None:
        episodes = episodes.filter(silenced=silenced)
    return episodes.order_by("state", "-started_on", "-pk")


def alert_episode_get_for_user(*, user: User, pk: int) -> AlertEpisode:
    return get_object_or_404(
        AlertEpisode.objects.filter(engagement__in=engagements_for(user))
        .select_related("rule__process", "acknowledged_by", "engagement__client")
        .prefetch_related("engagement__members"),
        pk=pk,
    )


def silence_list_for_engagement(
    *, engagement: Engagement, active_at: datetime | None = None
) -> QuerySet[Silence]:
    """Newest end first; with `active_at`, only the silences in force then."""
    silences = Silence.objects.filter(engagement=engagement).select_related(
        "process", "rule", "created_by"
    )
    if active_at is not None:
        silences = silences.filter(
            Q(lifted_at__isnull=True), starts_at__lte=active_at, ends_at__gt=active_at
        )
    return silences


def silence_get_for_user(*, user: User, pk: int) -> Silence:
    return get_object_or_404(
        Silence.objects.filter(engagement__in=engagements_for(user))
        .select_related("process", "rule", "created_by", "engagement__client")
        .prefetch_related("engagement__members"),
        pk=pk,
    )
