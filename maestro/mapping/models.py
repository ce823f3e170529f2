from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement


class Process(models.Model):
    """A client workflow the agent will take on, mapped as documented and as actually done."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="processes")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    volume_per_day = models.PositiveIntegerField(_("volume (cases per day)"), default=0)
    minutes_per_case = models.PositiveIntegerField(_("minutes of human work per case"), default=0)
    owner_team = models.CharField(_("owner team"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["engagement_id", "name"]
        verbose_name_plural = "processes"
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "name"], name="process_name_unique_per_engagement"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mapping:process", args=[self.pk])


class Step(models.Model):
    class Flow(models.TextChoices):
        DOCUMENTED = "documented", _("Documented")
        ACTUAL = "actual", _("Actual")

    class Kind(models.TextChoices):
        TASK = "task", _("Task")
        DECISION = "decision", _("Decision")
        APPROVAL = "approval", _("Approval")
        CHECK = "check", _("Check")
        HAND_OFF = "hand_off", _("Hand-off")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="steps")
    flow = models.CharField(_("flow"), max_length=20, choices=Flow.choices)
    # 1..n within (process, flow), kept contiguous by the services.
    order = models.PositiveIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)
    actor = models.CharField(_("actor"), max_length=200, blank=True)
    system = models.CharField(_("system"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TASK)
    informal = models.BooleanField(_("informal (off the official system)"), default=False)
    undocumented = models.BooleanField(_("undocumented"), default=False)
    cadence = models.CharField(_("cadence note"), max_length=200, blank=True)
    # Actual steps only: the documented step this one is part of, so the map shows which
    # documented steps hide several real ones.
    documented_step = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actual_steps",
        verbose_name=_("documented step"),
    )

    class Meta:
        ordering = ["process_id", "flow", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "flow", "order"], name="step_order_unique_per_flow"
            ),
            models.CheckConstraint(
                condition=models.Q(flow__in=["documented", "actual"]), name="step_flow_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class DecisionType(models.Model):
    """A kind of judgment the agent may take over, with its risk calibration."""

    class Autonomy(models.TextChoices):
        FULL = "full", _("Full autonomy")
        REVIEW_BELOW_THRESHOLD = "review_below_threshold", _("Review below threshold")
        ALWAYS_HUMAN = "always_human", _("Always human")

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="decision_types"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    autonomy = models.CharField(_("autonomy level"), max_length=30, choices=Autonomy.choices)
    confidence_threshold = models.DecimalField(
        _("default confidence threshold"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("0–1; below it a human reviews. Only for review below threshold."),
    )
    exposure_amount = models.DecimalField(
        _("financial exposure"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    exposure_currency = models.CharField(_("currency"), max_length=3, blank=True)
    compliance = models.BooleanField(_("compliance / regulatory"), default=False)
    reputational_note = models.TextField(_("reputational note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Part of the routing stamp (runbooks.selectors): a change here must reach the next decision.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["engagement_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "name"], name="decision_type_name_unique_per_engagement"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence_threshold__isnull=True)
                | models.Q(confidence_threshold__gte=0, confidence_threshold__lte=1),
                name="decision_type_threshold_0_1",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DecisionPoint(models.Model):
    """A moment of judgment: a step of the actual map that takes a decision of some type."""

    # PROTECT: the services refuse to delete a step or type that decision points still use.
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="decision_points")
    decision_type = models.ForeignKey(
        DecisionType, on_delete=models.PROTECT, related_name="decision_points"
    )
    inputs = models.JSONField(_("inputs the person looks at"), default=list, blank=True)
    outcomes = models.JSONField(_("possible outcomes"), default=list, blank=True)

    class Meta:
        ordering = ["step__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "decision_type"], name="decision_point_unique_per_step_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step.name}: {self.decision_type.name}"
