from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maestro.tenancy.models import Client, Membership


class Invitation(models.Model):
    """An invitation to join a client with a role, sent by e-mail as a signed, expiring link
    (maestro.people.services: invitation_link). The link names the invitation and its send
    number: re-sending bumps `send_count`, so older links stop working; accepting or revoking
    ends the invitation, so no link works twice. It expires INVITATION_LIFETIME after
    `sent_at`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invitations")
    # Stored lower-case (services), so one address has one pending invitation per client.
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("last sent"))
    send_count = models.PositiveIntegerField(default=1)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "email"],
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_address",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["consultant", "operator", "sponsor"]),
                name="invitation_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} — {self.get_role_display()} at {self.client}"

    @property
    def expires_at(self) -> datetime:
        return self.sent_at + settings.INVITATION_LIFETIME

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def state(self) -> str:
        """pending, expired, accepted or revoked: the status with expiry applied."""
        if self.status == self.Status.PENDING and self.is_expired():
            return "expired"
        return self.status
