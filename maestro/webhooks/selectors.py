"""Reads of webhook endpoints and their delivery log, scoped through engagements_for(user):
another tenant's endpoint is absent (404). Everyone on the engagement may read the log; only
its consultants see secrets (views decide with can_manage_engagement)."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for
from maestro.tenancy.models import User
from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint

DELIVERY_LOG_LIMIT = 100


def webhook_endpoint_list_for_user(*, user: User) -> QuerySet[WebhookEndpoint]:
    """Endpoints with their pending and failed delivery counts (the list page shows them)."""
    return (
        WebhookEndpoint.objects.filter(engagement__in=engagements_for(user))
        .select_related("engagement__client")
        .annotate(
            pending_count=Count(
                "deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)
            ),
            failed_count=Count(
                "deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)
            ),
        )
        .order_by("pk")
    )


def webhook_endpoint_list_for_engagement(
    *, user: User, engagement: Engagement
) -> QuerySet[WebhookEndpoint]:
    return webhook_endpoint_list_for_user(user=user).filter(engagement=engagement)


def webhook_endpoint_get_for_user(*, user: User, pk: int) -> WebhookEndpoint:
    # The members: can_manage_engagement reads them to decide who sees the secret.
    return get_object_or_404(
        webhook_endpoint_list_for_user(user=user).prefetch_related("engagement__members"), pk=pk
    )


def webhook_endpoint_delivery_count(*, endpoint: WebhookEndpoint) -> int:
    """Every delivery in the endpoint's log (the page shows only the newest DELIVERY_LOG_LIMIT);
    the delete confirmation says how many go with it."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).count()


def webhook_delivery_list_for_user(*, user: User) -> QuerySet[WebhookDelivery]:
    """Newest first."""
    return WebhookDelivery.objects.filter(
        endpoint__engagement__in=engagements_for(user)
    ).select_related("endpoint__engagement")


def webhook_delivery_get_for_user(*, user: User, pk: int) -> WebhookDelivery:
    return get_object_or_404(
        webhook_delivery_list_for_user(user=user).prefetch_related("endpoint__engagement__members"),
        pk=pk,
    )
