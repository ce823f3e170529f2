from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement


class ReviewTask(models.Model):
    """Work for a client operator: most often a decision the playbook escalated to a human.

    Resolution is a conditional update on `status` (see maestro.reviews.services), so two operators
    resolving the same task at once cannot both win.
    """

    class Kind(models.TextChoices):
        ESCALATED_DECISION = "escalated_decision", _("Escalated decision")
        EDGE_CASE_REVIEW = "edge_case_review", _("Weekly edge-case review")
        DRIFT_INVESTIGATION = "drift_investigation", _("Drift investigation")
        RUNBOOK_REVIEW = "runbook_review", _("Runbook review")
        CHECK_IN_FOLLOW_UP = "check_in_follow_up", _("Check-in follow-up")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        CANCELLED = "cancelled", _("Cancelled")

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="review_tasks"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    decision = models.OneToOneField(
        Decision, on_delete=models.CASCADE, null=True, blank=True, related_name="review_task"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_tasks",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    due_at = models.DateTimeField(_("due"))
    # How many times the task was escalated along the playbook's chain (0 = not yet).
    escalation_level = models.PositiveSmallIntegerField(default=0)
    final_outcome = models.CharField(_("final outcome"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table kept its name when the review queue left handoff/ (no row moved).
        db_table = "handoff_reviewtask"
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"]),
            models.Index(fields=["engagement", "status", "due_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:task-detail", args=[self.pk])

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.status == self.Status.OPEN and self.due_at < (now or timezone.now())


class ReviewTaskEvent(models.Model):
    """Append-only history of a task: created, assigned, reassigned, escalated, resolved."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        REASSIGNED = "reassigned", _("Reassigned")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")

    task = models.ForeignKey(ReviewTask, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # None when the system did it (assignment at intake, escalation by the SLA job).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "handoff_reviewtaskevent"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task}: {self.kind}"


class EdgeCase(models.Model):
    """A decision flagged as an edge case, for the weekly edge-case review."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="edge_cases")
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="edge_cases")
    note = models.TextField(_("note"))
    # None when a playbook rule flagged it.
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    flagged_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "handoff_edgecase"
        ordering = ["-flagged_at", "-pk"]

    def __str__(self) -> str:
        return f"Edge case: {self.decision}"
