"""Escalation playbooks and what routing reads: immutable playbook versions, dry-run jobs and
the counterparties already seen per process. The tables keep the names they had in runbooks and
decisions (migrations 0001 moved the models, not the data)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maestro.lib.jobs import BackgroundJob
from maestro.mapping.models import Process


class EscalationPlaybook(models.Model):
    """The routing rules for one process's live decisions. Its content lives in immutable
    PlaybookVersions; the newest version routes new decisions (see maestro.playbooks.routing).
    """

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="playbook")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "runbooks_escalationplaybook"  # the table it had before the app moved
        ordering = ["process_id"]

    def __str__(self) -> str:
        return f"Escalation playbook — {self.process}"


class PlaybookVersion(models.Model):
    """One immutable version of a playbook. Editing a playbook creates a new version, so a
    decision can always show the exact rules that routed it.

    `rules` is the ordered rule list validated by maestro.playbooks.routing (each item a dict with a
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
        db_table = "runbooks_playbookversion"
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


class DryRunJob(BackgroundJob):
    """A dry run of one playbook version over one training round, run on a Celery worker
    (maestro.playbooks.services.dry_runs); a background job (maestro.lib.jobs: status, claim,
    recovery). The routing only reads, so progress goes straight to this row."""

    # The worker's limits for one dry run (maestro.playbooks.tasks): a 100,000-case round routes in
    # seconds. A job still running well past the hard limit lost its worker, and
    # dry_run_jobs_recover fails it.
    SOFT_TIME_LIMIT = 600
    TIME_LIMIT = 660
    PUBLISHED_STATUSES = {BackgroundJob.Status.SUCCEEDED: ("done", _("Done"))}

    version = models.ForeignKey(PlaybookVersion, on_delete=models.CASCADE, related_name="dry_runs")
    training_round = models.ForeignKey(
        "training.TrainingRound", on_delete=models.CASCADE, related_name="playbook_dry_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # cases_total is counted when the job is created; the run corrects it if cases came later.
    cases_total = models.PositiveIntegerField(default=0)
    cases_done = models.PositiveIntegerField(default=0)
    # The DryRunResult's fields (maestro.playbooks.services.dry_runs), once done.
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta(BackgroundJob.Meta):
        db_table = "runbooks_dryrunjob"

    def __str__(self) -> str:
        return f"Dry run {self.pk} of {self.version} ({self.status})"

    @property
    def percent(self) -> int:
        return min(100, 100 * self.cases_done // self.cases_total) if self.cases_total else 0


class KnownCounterparty(models.Model):
    """A counterparty already known for a process, so routing's "new counterparty" rule is one
    indexed lookup (process, name). Known from the process's evaluation datasets (seeded when
    cases are imported), from its first live decision, or added by a consultant (one by one or
    from a CSV file)."""

    class Source(models.TextChoices):
        LIVE = "live", _("First live decision")
        DATASET = "dataset", _("Evaluation dataset")
        ADDED = "added", _("Added by a consultant")

    # Names are matched exactly, as the agent posts them (decisions and cases allow 200 too).
    MAX_NAME_LENGTH = 200

    process = models.ForeignKey(
        Process, on_delete=models.CASCADE, related_name="known_counterparties"
    )
    name = models.CharField(_("name"), max_length=MAX_NAME_LENGTH)
    source = models.CharField(
        _("known from"), max_length=10, choices=Source.choices, default=Source.LIVE
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_seen_at = models.DateTimeField(_("known since"), auto_now_add=True)

    class Meta:
        db_table = "decisions_knowncounterparty"
        constraints = [
            models.UniqueConstraint(
                fields=["process", "name"], name="known_counterparty_unique_per_process"
            )
        ]

    def __str__(self) -> str:
        return self.name
