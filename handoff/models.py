"""Skill transfer: the operator's plan (competencies on the shadow → co-pilot → solo ladder),
periodic check-ins scheduled in the client's time zone, shadow reviews that measure agreement
between consultant and operator, the consultant's stance steps, and private calendar feeds."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement
from maestro.lib.jobs import BackgroundJob
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import PaperSize


class Stage(models.TextChoices):
    """The ladder an operator climbs for each competency."""

    SHADOW = "shadow", _("Shadow")
    CO_PILOT = "co_pilot", _("Co-pilot")
    SOLO = "solo", _("Solo")


STAGE_ORDER: list[str] = [stage.value for stage in Stage]

# The article's four, seeded on every new plan.
DEFAULT_COMPETENCIES: list[str] = [
    "Monitoring",
    "Edge-case review",
    "Escalation management",
    "Playbook tuning",
]


class SkillTransferPlan(models.Model):
    """What one operator must learn to run the engagement alone, and when the consultant
    checks in with them. An engagement may hand off to several operators: one plan each."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="skill_plans")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="skill_plans"
    )
    # Cadence, in the client's time zone: every N weeks on a weekday at a local time.
    every_weeks = models.PositiveSmallIntegerField(
        _("every (weeks)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        default=1,  # Tuesday
        validators=[MaxValueValidator(6)],
        help_text=_("0 = Monday … 6 = Sunday"),
    )
    local_time = models.TimeField(_("local time"), default="10:00")
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=45,
        validators=[MinValueValidator(15), MaxValueValidator(240)],
    )
    starts_on = models.DateField(_("first week"), help_text=_("The cadence counts from here."))
    reminder_minutes = models.PositiveIntegerField(
        _("remind before (minutes)"),
        default=24 * 60,
        validators=[MaxValueValidator(7 * 24 * 60)],
    )
    grace_minutes = models.PositiveIntegerField(
        _("grace period (minutes)"),
        default=24 * 60,
        validators=[MinValueValidator(0), MaxValueValidator(7 * 24 * 60)],
        help_text=_("A check-in still unrecorded this long after its end is missed."),
    )
    # Evidence bars for handoff → advisory.
    kappa_bar = models.DecimalField(
        _("agreement bar (kappa)"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.600"),
        validators=[MinValueValidator(Decimal("-1")), MaxValueValidator(Decimal("1"))],
    )
    shadow_cases_min = models.PositiveIntegerField(_("shadow cases needed"), default=30)
    # Share of escalated decisions (0–1) both consultant and operator answer blind.
    shadow_share = models.DecimalField(
        _("shadow share"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["engagement_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "operator"], name="skill_plan_one_per_operator"
            ),
            models.CheckConstraint(
                condition=models.Q(shadow_share__gte=0, shadow_share__lte=1),
                name="skill_plan_shadow_share_0_1",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="skill_plan_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operator} — {self.engagement}"


class Competency(models.Model):
    """One skill of a plan, its target and current stage, and the evidence behind it."""

    plan = models.ForeignKey(
        SkillTransferPlan, on_delete=models.CASCADE, related_name="competencies"
    )
    name = models.CharField(_("name"), max_length=200)
    target_stage = models.CharField(
        _("target stage"), max_length=20, choices=Stage.choices, default=Stage.SOLO
    )
    current_stage = models.CharField(
        _("current stage"), max_length=20, choices=Stage.choices, default=Stage.SHADOW
    )
    evidence = models.TextField(_("evidence notes"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="competency_name_unique"),
        ]
        verbose_name_plural = "competencies"

    def __str__(self) -> str:
        return self.name

    @property
    def at_target(self) -> bool:
        return STAGE_ORDER.index(self.current_stage) >= STAGE_ORDER.index(self.target_stage)


class CheckIn(models.Model):
    """One skill-transfer session, made ahead of time by the check-in job (unique per plan and
    time, so the job firing twice makes it once). `uid` and `sequence` keep one calendar event
    through reschedules and cancellation."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        RECORDED = "recorded", _("Recorded")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(SkillTransferPlan, on_delete=models.CASCADE, related_name="check_ins")
    scheduled_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    # Share (0–1) of the plan's competencies at target once recorded: the readiness trend.
    readiness = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "scheduled_at"], name="check_in_once_per_plan_and_time"
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self) -> str:
        return f"check-in {self.plan_id} at {self.scheduled_at:%Y-%m-%d %H:%M}"


class CheckInStage(models.Model):
    """The stage a competency reached at a recorded check-in."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="stages")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)

    class Meta:
        ordering = ["check_in_id", "competency__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_in", "competency"], name="check_in_stage_once_per_competency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency_id}: {self.stage}"


class CheckInFollowUp(models.Model):
    """A follow-up agreed at a check-in: a review task for the operator, with a due date."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="follow_ups")
    task = models.OneToOneField(
        ReviewTask, on_delete=models.CASCADE, related_name="check_in_follow_up"
    )

    class Meta:
        ordering = ["check_in_id", "pk"]

    def __str__(self) -> str:
        return f"follow-up {self.task_id}"


class StanceStep(models.Model):
    """One step of the consultant's stance down the ladder lead → advisory → out."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="stance_steps"
    )
    from_stance = models.CharField(max_length=20, choices=Engagement.Stance.choices)
    to_stance = models.CharField(max_length=20, choices=Engagement.Stance.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["engagement_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_stance} → {self.to_stance}"


class ShadowCase(models.Model):
    """An escalated decision both the consultant and the operator answer without seeing the
    other's answer. The operator's (the review task's resolution) is the one that counts for
    the agent; the pair measures their agreement."""

    plan = models.ForeignKey(
        SkillTransferPlan, on_delete=models.CASCADE, related_name="shadow_cases"
    )
    task = models.OneToOneField(ReviewTask, on_delete=models.CASCADE, related_name="shadow_case")
    competency = models.ForeignKey(
        Competency, on_delete=models.SET_NULL, null=True, blank=True, related_name="shadow_cases"
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consultant_outcome = models.CharField(max_length=200, blank=True)
    consultant_answered_at = models.DateTimeField(null=True, blank=True)
    operator_outcome = models.CharField(max_length=200, blank=True)
    operator_answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["plan", "operator_answered_at"])]

    def __str__(self) -> str:
        return f"shadow {self.task_id}"

    @property
    def complete(self) -> bool:
        return bool(self.consultant_answered_at and self.operator_answered_at)


class CalendarFeed(models.Model):
    """A person's private iCalendar URL. Only a SHA-256 of the token is stored; revoking it
    (or making a new one) makes the old URL a 404 at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"


def handoff_document_path(document: "HandoffDocument", filename: str) -> str:
    """Where a generation is stored (through STORAGES["default"]): one folder per engagement."""
    return f"handoff/{document.engagement_id}/{filename}"


class HandoffDocument(BackgroundJob):
    """One generation of an engagement's handoff PDF: a numbered version, built by a job on the
    `pdf` queue, stored through Django's STORAGES with its SHA-256, which sign-offs and the
    verify page refer to. A generation is never changed after it succeeded; a newer one is a
    new row (and needs new sign-offs)."""

    SOFT_TIME_LIMIT = 100
    TIME_LIMIT = 120

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="handoff_documents"
    )
    version = models.PositiveIntegerField(_("version"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The client's setting when the generation was asked for: the file keeps its paper.
    paper_size = models.CharField(max_length=10, choices=PaperSize.choices, default=PaperSize.A4)
    # Progress by section while running (the page polls it).
    sections_total = models.PositiveSmallIntegerField(default=0)
    sections_done = models.PositiveSmallIntegerField(default=0)
    current_section = models.CharField(max_length=100, blank=True)
    # The outcome.
    file = models.FileField(upload_to=handoff_document_path, max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    # What the client signs for (section 11 and the embedded JSON): runbook and playbook
    # versions with their content hashes, as they were when this generation was made.
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta(BackgroundJob.Meta):
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "version"], name="handoff_document_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement} handoff v{self.version}"


class HandoffSignOff(models.Model):
    """A person acknowledging one specific generation: who, when, as what, and the SHA-256 of
    the exact file they acknowledged."""

    class Role(models.TextChoices):
        SPONSOR = "sponsor", _("Sponsor")
        OPERATOR = "operator", _("Operator")

    document = models.ForeignKey(
        HandoffDocument, on_delete=models.CASCADE, related_name="sign_offs"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document_id", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "signed_by"], name="handoff_sign_off_once_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signed_by_id} signed {self.document_id}"
