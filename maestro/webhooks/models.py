import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement


class WebhookEvent(models.TextChoices):
    DECISION_ESCALATED = "decision.escalated", _("Decision escalated to a human")
    TASK_RESOLVED = "task.resolved", _("Review task resolved")
    TASK_OVERRIDDEN = "task.overridden", _("Review task resolved with an override")
    TASK_OVERDUE = "task.overdue", _("Review task overdue")
    DRIFT_ALERT_FIRED = "drift_alert.fired", _("Drift alert fired")
    DRIFT_ALERT_RESOLVED = "drift_alert.resolved", _("Drift alert resolved")
    # Sent on a consultant's request to one endpoint, whatever it subscribes to.
    PING = "ping", _("Test ping")


# What an endpoint can subscribe to (everything but the on-request ping).
SUBSCRIBABLE_EVENTS = [event for event in WebhookEvent if event != WebhookEvent.PING]
SUBSCRIBABLE_EVENT_CHOICES = [(event.value, event.label) for event in SUBSCRIBABLE_EVENTS]


class WebhookEndpoint(models.Model):
    """An integrator's URL that receives signed JSON events of one engagement."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    # Used to sign each body (HMAC-SHA256); shown to the consultant so the receiver can verify.
    secret = models.CharField(max_length=100)
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["engagement_id", "pk"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint, retried with backoff until delivered or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=50, choices=WebhookEvent.choices)
    # Sent as a header so receivers can drop duplicates (retries re-send the same id).
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
