from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person: consultancy staff or a client's operator or sponsor (roles live on Membership)."""

    class Meta:
        db_table = "tenancy_user"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Client(models.Model):
    """The tenant: a client organisation. Every engagement belongs to exactly one."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role at one client. Consultants see only the engagements they are assigned to;
    operators and sponsors see every engagement of their client."""

    class Role(models.TextChoices):
        CONSULTANT = "consultant", _("Consultant")
        OPERATOR = "operator", _("Operator")
        SPONSOR = "sponsor", _("Sponsor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client"], name="membership_one_role_per_client"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["consultant", "operator", "sponsor"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.client}"
