from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement
from maestro.lib.jobs import BackgroundJob
from maestro.mapping.models import Process


class EvaluationDataset(models.Model):
    """Real past decisions of one process: what the agent is measured against."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["process_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "name"], name="dataset_name_unique_per_process"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EvaluationCase(models.Model):
    dataset = models.ForeignKey(EvaluationDataset, on_delete=models.CASCADE, related_name="cases")
    case_ref = models.CharField(_("case ref"), max_length=200)
    input = models.JSONField(_("input"), default=dict)
    correct_outcome = models.CharField(_("correct outcome"), max_length=200)
    category = models.CharField(_("category"), max_length=200)
    # By name: a decision type of the engagement, if the file names one (not enforced).
    decision_type = models.CharField(_("decision type"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["dataset_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "case_ref"], name="case_ref_unique_per_dataset"
            ),
        ]
        indexes = [models.Index(fields=["dataset", "category"])]

    def __str__(self) -> str:
        return self.case_ref


class TrainingRound(models.Model):
    """One pass of the agent over a dataset after changing its instructions, examples or context."""

    dataset = models.ForeignKey(EvaluationDataset, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField(_("number"))
    date = models.DateField(_("date"))
    what_changed = models.TextField(_("what changed"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "number"], name="round_number_unique_per_dataset"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} round {self.number}"


class AgentOutput(models.Model):
    round = models.ForeignKey(TrainingRound, on_delete=models.CASCADE, related_name="outputs")
    case = models.ForeignKey(EvaluationCase, on_delete=models.CASCADE, related_name="outputs")
    predicted_outcome = models.CharField(_("predicted outcome"), max_length=200)
    confidence = models.FloatField(
        _("confidence"), validators=[MinValueValidator(0), MaxValueValidator(1)]
    )

    class Meta:
        ordering = ["round_id", "case_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "case"], name="output_unique_per_round_case"),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0, confidence__lte=1),
                name="output_confidence_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.predicted_outcome}"


class ImportJob(BackgroundJob):
    """An upload being validated and written, with its progress and error report; a
    background job (maestro.lib.jobs: status, claim, recovery)."""

    # The worker's limits for one import (training.tasks). A job still running well past the
    # hard limit lost its worker, and import_jobs_recover fails it.
    SOFT_TIME_LIMIT = 1800
    TIME_LIMIT = 1900
    PUBLISHED_STATUSES = {BackgroundJob.Status.QUEUED: ("pending", _("Pending"))}

    class Kind(models.TextChoices):
        CASES = "cases", _("Cases")
        OUTPUTS = "outputs", _("Agent outputs")

    dataset = models.ForeignKey(
        EvaluationDataset, on_delete=models.CASCADE, related_name="import_jobs"
    )
    training_round = models.ForeignKey(
        TrainingRound, on_delete=models.CASCADE, null=True, blank=True, related_name="import_jobs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The upload, in STORAGES["default"] (local media or object storage) until the job ends.
    file = models.FileField(upload_to="training-imports/", max_length=500, blank=True)
    file_format = models.CharField(max_length=10, default="csv")
    # Progress: rows_total is counted up front (lines in the file); rows_done counts rows
    # written, or rows validated once the file is refused (phase says which). While the job
    # runs, the live figures are in the cache (training.progress); the row gets the last ones.
    rows_total = models.PositiveIntegerField(default=0)
    phase = models.CharField(max_length=20, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta(BackgroundJob.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"


class StagedCase(models.Model):
    """A validated case of an import still running, kept apart from EvaluationCase so nobody
    reads a half-imported file. Batches land here in short transactions (on SQLite a long one
    would hold the database's only write lock); one short transaction then moves the import's
    rows to EvaluationCase, and the staged ones are deleted, whatever the outcome."""

    # One number per import: the second it started in the high bits, random low bits (see
    # services.staging_new). An integer, and no per-row timestamp, keep a staged batch as cheap
    # to write as the rows themselves, while old stages are still found by their number.
    stage = models.BigIntegerField(db_index=True)
    dataset = models.ForeignKey(EvaluationDataset, on_delete=models.CASCADE, related_name="+")
    case_ref = models.CharField(max_length=200)
    input = models.JSONField(default=dict)
    correct_outcome = models.CharField(max_length=200)
    category = models.CharField(max_length=200)
    decision_type = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    counterparty = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    # Moved to EvaluationCase column for column.
    MOVED_FIELDS = (
        "dataset",
        "case_ref",
        "input",
        "correct_outcome",
        "category",
        "decision_type",
        "amount",
        "currency",
        "counterparty",
        "decided_at",
    )

    def __str__(self) -> str:
        return f"staged {self.case_ref}"


class StagedOutput(models.Model):
    """An agent output of an import still running (see StagedCase)."""

    # A random 63-bit number per import: an integer and a database default keep the per-row
    # cost of a staged batch close to that of writing the rows themselves.
    stage = models.BigIntegerField(db_index=True)  # as StagedCase.stage
    round = models.ForeignKey(TrainingRound, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(EvaluationCase, on_delete=models.CASCADE, related_name="+")
    predicted_outcome = models.CharField(max_length=200)
    confidence = models.FloatField()

    MOVED_FIELDS = ("round", "case", "predicted_outcome", "confidence")

    def __str__(self) -> str:
        return f"staged {self.case_id}: {self.predicted_outcome}"


class FailureReview(models.Model):
    """Why the agent got one case wrong in one round, as the consultant judges it."""

    class Cause(models.TextChoices):
        MISSING_CONTEXT = "missing_context", _("Missing context")
        AMBIGUOUS_POLICY = "ambiguous_policy", _("Ambiguous policy")
        WRONG_EXAMPLE = "wrong_example", _("Wrong example")
        DATA_ERROR = "data_error", _("Data error")
        OTHER = "other", _("Other")

    round = models.ForeignKey(TrainingRound, on_delete=models.CASCADE, related_name="reviews")
    case = models.ForeignKey(EvaluationCase, on_delete=models.CASCADE, related_name="reviews")
    cause = models.CharField(_("cause"), max_length=30, choices=Cause.choices)
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round_id", "case_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "case"], name="review_unique_per_round_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.cause}"


class GateCriteria(models.Model):
    """What the latest round must meet, beyond the engagement's target accuracy, to deploy."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="training_criteria"
    )
    # {"purchase over $10,000": 90.0}: minimum accuracy (%) per category.
    category_minimums = models.JSONField(_("per-category minimums (%)"), default=dict, blank=True)
    critical_categories = models.JSONField(_("critical categories"), default=list, blank=True)
    max_critical_misses = models.PositiveIntegerField(
        _("max misses in critical categories"), default=0
    )

    class Meta:
        verbose_name_plural = "gate criteria"

    def __str__(self) -> str:
        return f"criteria for {self.engagement}"
