from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement
from maestro.mapping.models import Process


class Runbook(models.Model):
    """A Markdown document the client's operator follows. Its text lives in immutable
    RunbookVersions; `head` is the newest, `published_version` the one operators run.
    Optionally about one process of the same engagement (checked in runbooks.services).
    """

    class Kind(models.TextChoices):
        OPERATING = "operating", _("Operating runbook")
        MONITORING = "monitoring", _("Monitoring")
        EDGE_CASE_REVIEW = "edge_case_review", _("Edge-case review")
        ESCALATION = "escalation", _("Escalation playbook guide")
        CHECK_IN = "check_in", _("Check-in guide")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="runbooks")
    process = models.ForeignKey(
        Process,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runbooks",
        verbose_name=_("process"),
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OPERATING)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_runbooks",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # Number of the newest version. Saves move it with a conditional update: the lost-update
    # guard (see runbooks.services.runbook_save).
    head = models.PositiveIntegerField(default=0)
    # The head's body, copied so search reads one table.
    body = models.TextField(blank=True)
    published_version = models.ForeignKey(
        "RunbookVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["engagement_id", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "slug"], name="runbook_slug_unique_per_engagement"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "published", "retired"]),
                name="runbook_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("runbooks:detail", args=[self.engagement_id, self.slug])

    @property
    def has_unpublished_changes(self) -> bool:
        published = self.published_version.number if self.published_version else 0
        return self.head > published


class RunbookVersion(models.Model):
    """One save of a runbook. Append-only: a restore is a new version with the old text."""

    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # The body rendered and sanitised once, when the version is saved: reads never render.
    # Runbook links in it are markers that runbooks.rendering.resolve_links turns into links
    # against the engagement's runbooks as they are when read.
    html = models.TextField(blank=True, editable=False)
    toc = models.TextField(blank=True, editable=False)
    message = models.CharField(max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="runbook_versions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Saved by someone who may not publish (an operator): a proposal for a consultant.
    proposed = models.BooleanField(default=False)
    restored_from = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["runbook_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["runbook", "number"], name="runbook_version_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.runbook_id} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Runbook versions are immutable; save a new version instead.")
        super().save(*args, **kwargs)


class RunbookRun(models.Model):
    """An operator working through a published version's checklist."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        ABANDONED = "abandoned", _("Abandoned")

    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(RunbookVersion, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="runbook_runs"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["in_progress", "completed", "abandoned"]),
                name="runbook_run_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.runbook_id}"

    def get_absolute_url(self) -> str:
        return reverse("runbooks:run", args=[self.pk])


class RunStep(models.Model):
    """One task-list item of the run's version, ticked with who and when."""

    run = models.ForeignKey(RunbookRun, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["run_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="run_step_position_unique"),
        ]

    def __str__(self) -> str:
        return self.text


class EscalationPlaybook(models.Model):
    """The routing rules for one process's live decisions. Its content lives in immutable
    PlaybookVersions; the newest version routes new decisions (see runbooks.routing).
    """

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="playbook")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["process_id"]

    def __str__(self) -> str:
        return f"Escalation playbook — {self.process}"


class PlaybookVersion(models.Model):
    """One immutable version of a playbook. Editing a playbook creates a new version, so a
    decision can always show the exact rules that routed it.

    `rules` is the ordered rule list validated by runbooks.routing (each item a dict with a
    `kind` and its parameters); `escalation_chain` is the ordered list of user ids a task
    still open after its SLA is escalated to.
    """

    playbook = models.ForeignKey(
        EscalationPlaybook, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    default_threshold = models.DecimalField(
        _("default confidence threshold"), max_digits=3, decimal_places=2, default=Decimal("0.80")
    )
    rules = models.JSONField(_("rules"), default=list)
    sla_minutes = models.PositiveIntegerField(_("review SLA (minutes)"), default=240)
    escalation_chain = models.JSONField(_("escalation chain (user ids)"), default=list, blank=True)
    message = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["playbook_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["playbook", "number"], name="playbook_version_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(default_threshold__gte=0, default_threshold__lte=1),
                name="playbook_version_threshold_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.playbook} v{self.number}"


class DryRunJob(models.Model):
    """A dry run of one playbook version over one training round, run on a Celery worker
    (runbooks.dry_runs). The routing only reads, so progress goes straight to this row."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # The worker's limits for one dry run (runbooks.tasks): a 100,000-case round routes in
    # seconds. A job still running well past the hard limit lost its worker, and
    # dry_run_jobs_recover fails it.
    SOFT_TIME_LIMIT = 600
    TIME_LIMIT = 660

    version = models.ForeignKey(PlaybookVersion, on_delete=models.CASCADE, related_name="dry_runs")
    training_round = models.ForeignKey(
        "training.TrainingRound", on_delete=models.CASCADE, related_name="playbook_dry_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    # cases_total is counted when the job is created; the run corrects it if cases came later.
    cases_total = models.PositiveIntegerField(default=0)
    cases_done = models.PositiveIntegerField(default=0)
    # The DryRunResult's fields (runbooks.playbooks), once done.
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Dry run {self.pk} of {self.version} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return min(100, 100 * self.cases_done // self.cases_total) if self.cases_total else 0
