from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from maestro.lib.timezones import time_zone_validate


def default_time_zone() -> str:
    return settings.TIME_ZONE or "UTC"


class User(AbstractUser):
    """A person: consultancy staff or a client's operator or sponsor (roles live on Membership)."""

    class Meta:
        db_table = "tenancy_user"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class PaperSize(models.TextChoices):
    """The paper the client prints on: the handoff PDF is laid out for it."""

    A4 = "a4", _("A4")
    LETTER = "letter", _("US Letter")


class Client(models.Model):
    """The tenant: a client organisation. Every engagement belongs to exactly one."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    # The client's local day and ISO week are what scoring, weekly reviews and check-ins count
    # in (maestro/lib/timezones.py); an IANA name such as "Europe/Lisbon".
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[time_zone_validate],
        help_text=_("IANA name, such as Europe/Lisbon: the client's days and weeks."),
    )
    paper_size = models.CharField(
        _("paper size"),
        max_length=10,
        choices=PaperSize.choices,
        default=PaperSize.A4,
        help_text=_("The paper the handoff PDF is laid out for."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(deactivated_at__isnull=True)


class ActiveMembershipManager(models.Manager.from_queryset(MembershipQuerySet)):  # type: ignore[misc]
    """`Membership.objects`: live memberships only. Every reach a membership grants (scoping,
    review-task assignees, escalation chains, the "My queue" link) reads through it, so a
    deactivated membership grants nothing anywhere without each caller remembering to filter."""

    def get_queryset(self) -> MembershipQuerySet:
        return super().get_queryset().active()


class Membership(models.Model):
    """A user's role at one client. Consultants see only the engagements they are assigned to;
    operators and sponsors see every engagement of their client.

    Taking someone off a client deactivates the membership (`deactivated_at`) rather than
    deleting it, so its history stays. `Membership.objects` sees live memberships only;
    `Membership.all_objects` (the default manager: admin, validation, related lookups) sees
    every row, for the people page's history and for re-activating one on a new invitation.
    """

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
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)

    objects = ActiveMembershipManager()
    all_objects = MembershipQuerySet.as_manager()

    class Meta:
        default_manager_name = "all_objects"
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
