from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from maestro.tenancy.models import Client


class Phase(models.TextChoices):
    MAPPING = "mapping", _("Mapping")
    TRAINING = "training", _("Training")
    DEPLOYMENT = "deployment", _("Deployment")
    HANDOFF = "handoff", _("Handoff")
    ADVISORY = "advisory", _("Advisory")
    CLOSED = "closed", _("Closed")


# The lifecycle order; transitions move one step along it (see engagements.lifecycle).
PHASE_ORDER: list[str] = [choice.value for choice in Phase]


class Engagement(models.Model):
    class Stance(models.TextChoices):
        LEAD = "lead", _("Lead")
        ADVISORY = "advisory", _("Advisory")
        OUT = "out", _("Out")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="engagements")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_engagements",
        verbose_name=_("lead consultant"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="member_engagements",
        blank=True,
        verbose_name=_("consultant members"),
    )
    target_accuracy = models.DecimalField(
        _("target accuracy (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("85.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.MAPPING
    )
    stance = models.CharField(
        _("consultant stance"), max_length=20, choices=Stance.choices, default=Stance.LEAD
    )
    phase_changed_at = models.DateTimeField(_("in this phase since"), auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "name"], name="engagement_name_unique_per_client"
            ),
            models.CheckConstraint(
                condition=models.Q(target_accuracy__gte=0, target_accuracy__lte=100),
                name="engagement_target_accuracy_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(phase__in=PHASE_ORDER), name="engagement_phase_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("engagements:detail", args=[self.pk])


class PhaseTransition(models.Model):
    """One recorded move of an engagement between phases. Append-only: the audit trail."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="transitions")
    from_phase = models.CharField(max_length=20, choices=Phase.choices)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="phase_transitions"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    override_reason = models.TextField(
        blank=True, help_text=_("Set when a consultant moved the engagement past a failing gate.")
    )
    # What the gate said at the time, so the record explains itself after the data changes.
    gate_results = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["engagement", "-at"])]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.from_phase} → {self.to_phase}"

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)
