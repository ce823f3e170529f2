from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maestro.audit.events import AuditEvent
from maestro.tenancy.models import Client


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only.")

    def delete(self):
        raise TypeError("The audit trail is append-only.")


class AuditEntry(models.Model):
    """One recorded state change. Append-only: written by `audit_record` in the transaction of
    the change, never edited or deleted through the product.

    The actor and the changed object are stored as facts (kind, id, label) rather than only as
    foreign keys, so an entry still reads right after the key is revoked or the object renamed.
    """

    class ActorKind(models.TextChoices):
        USER = "user", _("Person")
        AGENT_KEY = "agent_key", _("Agent API key")
        SYSTEM = "system", _("System job")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="audit_entries")
    # By name: engagements sit above the audit trail in the layers and record into it.
    engagement = models.ForeignKey(
        "engagements.Engagement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    actor_kind = models.CharField(_("actor kind"), max_length=10, choices=ActorKind.choices)
    # SET_NULL: the label keeps the name if the account is ever deleted.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    actor_key_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200)
    # AuditEvent's values; no database choices, so a new event type needs no migration.
    event = models.CharField(_("event"), max_length=64)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=300, blank=True)
    # {"field": [before, after], …} for the fields that changed.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["engagement", "-at", "-id"], name="audit_engagement_at"),
            models.Index(fields=["client", "-at", "-id"], name="audit_client_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actor_kind__in=["user", "agent_key", "system"]),
                name="audit_actor_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.event_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only.")

    @property
    def event_label(self) -> str:
        try:
            return str(AuditEvent(self.event).label)
        except ValueError:
            return self.event
