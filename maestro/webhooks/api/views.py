from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.accepted import accepted
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.webhooks import selectors, services
from maestro.webhooks.api import serializers as s

RETRY_CONFLICT = OpenApiResponse(
    description="Not a failed delivery (code `delivery_not_failed`), or its endpoint is "
    "switched off (code `endpoint_inactive`); nothing changed."
)


def _delivery(delivery, request) -> dict:
    return s.WebhookDeliveryOutputSerializer(delivery, context={"request": request}).data


class EngagementWebhookEndpointListApi(generics.ListAPIView):
    """The engagement's webhook endpoints (never their secrets)."""

    serializer_class = s.WebhookEndpointOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        return selectors.webhook_endpoint_list_for_engagement(
            user=self.request.user, engagement=engagement
        )

    @extend_schema(
        request=s.WebhookEndpointCreateInputSerializer,
        responses={201: s.WebhookEndpointWithSecretOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, engagement_id: int):
        """Add an endpoint (the engagement's consultants only). The answer carries its new
        signing secret."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.WebhookEndpointCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(
            engagement=engagement, by=request.user, **serializer.validated_data
        )
        endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint.pk)
        return Response(
            s.WebhookEndpointWithSecretOutputSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
        )


class WebhookEndpointDetailApi(APIView):
    @extend_schema(responses={200: s.WebhookEndpointOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, endpoint_id: int):
        """One endpoint with its pending and failed delivery counts."""
        endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
        return Response(s.WebhookEndpointOutputSerializer(endpoint).data)

    @extend_schema(
        request=s.WebhookEndpointUpdateInputSerializer,
        responses={200: s.WebhookEndpointOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, endpoint_id: int):
        """Change the URL, the events or switch the endpoint on or off (`active`)."""
        endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
        serializer = s.WebhookEndpointUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.webhook_endpoint_update(
            endpoint=endpoint, by=request.user, **serializer.validated_data
        )
        endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
        return Response(s.WebhookEndpointOutputSerializer(endpoint).data)

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, endpoint_id: int):
        """Delete the endpoint and its delivery log (switch it off to keep the log)."""
        endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
        services.webhook_endpoint_delete(endpoint=endpoint, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointSecretApi(APIView):
    @extend_schema(responses={200: s.WebhookEndpointSecretOutputSerializer, **ERROR_RESPONSES})
    def get(self, request, endpoint_id: int):
        """The signing secret (the engagement's consultants only; others get 403)."""
        endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
        secret = services.webhook_endpoint_secret_reveal(endpoint=endpoint, by=request.user)
        return Response(s.WebhookEndpointSecretOutputSerializer({"secret": secret}).data)


class WebhookEndpointRotateSecretApi(APIView):
    @extend_schema(
        request=None,
        responses={200: s.WebhookEndpointWithSecretOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, endpoint_id: int):
        """Replace the signing secret; every attempt from now on is signed with the new one."""
        endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
        services.webhook_endpoint_rotate_secret(endpoint=endpoint, by=request.user)
        endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
        return Response(s.WebhookEndpointWithSecretOutputSerializer(endpoint).data)


class WebhookEndpointPingApi(APIView):
    @extend_schema(
        request=None,
        responses={
            202: s.WebhookDeliveryOutputSerializer,
            **ERROR_RESPONSES,
            409: OpenApiResponse(description="The endpoint is switched off (`endpoint_inactive`)."),
        },
    )
    def post(self, request, endpoint_id: int):
        """Queue a signed `ping` event to this endpoint (consultants): 202 with the delivery
        and a `Location` header; poll its `status_url`, or follow it in the log."""
        endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
        delivery = services.webhook_test_ping(endpoint=endpoint, by=request.user)
        return accepted(_delivery(delivery, request))


class WebhookEndpointDeliveryListApi(generics.ListAPIView):
    """The endpoint's delivery log, newest first; filter by `status` and `event`."""

    serializer_class = s.WebhookDeliveryOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        endpoint = selectors.webhook_endpoint_get_for_user(
            user=self.request.user, pk=self.kwargs["endpoint_id"]
        )
        query = s.WebhookDeliveryFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        deliveries = selectors.webhook_delivery_list_for_user(user=self.request.user).filter(
            endpoint=endpoint
        )
        if "status" in query.validated_data:
            deliveries = deliveries.filter(status=query.validated_data["status"])
        if "event" in query.validated_data:
            deliveries = deliveries.filter(event=query.validated_data["event"])
        return deliveries

    @extend_schema(
        parameters=[s.WebhookDeliveryFilterSerializer],
        responses={200: s.WebhookDeliveryOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookDeliveryDetailApi(APIView):
    @extend_schema(responses={200: s.WebhookDeliveryOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, delivery_id: int):
        """One delivery: its status (pending, delivered, failed), attempts and last answer."""
        delivery = selectors.webhook_delivery_get_for_user(user=request.user, pk=delivery_id)
        return Response(_delivery(delivery, request))


class WebhookDeliveryRetryApi(APIView):
    @extend_schema(
        request=None,
        responses={200: s.WebhookDeliveryOutputSerializer, **ERROR_RESPONSES, 409: RETRY_CONFLICT},
    )
    def post(self, request, delivery_id: int):
        """Retry a failed delivery now: one more attempt, sent by the worker shortly."""
        delivery = selectors.webhook_delivery_get_for_user(user=request.user, pk=delivery_id)
        delivery = services.webhook_delivery_retry(delivery=delivery, by=request.user)
        return Response(_delivery(delivery, request))
