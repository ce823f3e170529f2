from rest_framework import serializers

from maestro.lib.accepted import StatusUrlField
from maestro.lib.serializers import StrictInputSerializer
from maestro.webhooks.models import (
    SUBSCRIBABLE_EVENT_CHOICES,
    SUBSCRIBABLE_EVENTS,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

EVENTS_HELP = "Events to receive: " + ", ".join(SUBSCRIBABLE_EVENTS) + "."
SUBSCRIBABLE_CHOICES = SUBSCRIBABLE_EVENT_CHOICES


class WebhookEndpointOutputSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE_CHOICES))
    pending_count = serializers.IntegerField(read_only=True, help_text="Deliveries not done yet.")
    failed_count = serializers.IntegerField(read_only=True, help_text="Deliveries given up on.")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "engagement",
            "url",
            "events",
            "active",
            "pending_count",
            "failed_count",
            "created_at",
        ]


class WebhookEndpointWithSecretOutputSerializer(WebhookEndpointOutputSerializer):
    """Only in the answers to the engagement's consultants that create or rotate a secret."""

    class Meta(WebhookEndpointOutputSerializer.Meta):
        fields = [*WebhookEndpointOutputSerializer.Meta.fields, "secret"]


class WebhookEndpointSecretOutputSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="Key of the HMAC-SHA256 in X-Maestro-Signature.")


class WebhookEndpointCreateInputSerializer(StrictInputSerializer):
    url = serializers.URLField(max_length=500, help_text="http:// or https:// URL to POST to.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_CHOICES),
        allow_empty=False,
        max_length=len(SUBSCRIBABLE_CHOICES) * 2,
        help_text=EVENTS_HELP,
    )
    active = serializers.BooleanField(required=False, default=True)


class WebhookEndpointUpdateInputSerializer(StrictInputSerializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_CHOICES),
        allow_empty=False,
        max_length=len(SUBSCRIBABLE_CHOICES) * 2,
        required=False,
        help_text=EVENTS_HELP,
    )
    active = serializers.BooleanField(required=False)


class WebhookDeliveryOutputSerializer(serializers.ModelSerializer):
    status_url = StatusUrlField(
        view_name="webhooks-api:delivery-detail",
        url_kwargs=lambda delivery: {"delivery_id": delivery.pk},
        help_text="This delivery's own URL: poll it (GET) for its status and attempts.",
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "payload",
            "status_url",
        ]


class WebhookDeliveryFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)
    event = serializers.ChoiceField(choices=WebhookEvent.choices, required=False)
