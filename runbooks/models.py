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
