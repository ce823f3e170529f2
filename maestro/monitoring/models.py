from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.monitoring.rates import Rates
from maestro.reviews.models import ReviewTask


class DailyScore(Rates, models.Model):
    """One process's figures for one local day of its client: a row for the whole process
    (`category` "") and one per category of that day's decisions. Counts are stored and rates
    derived from them, so a week's rate is a sum of counts, never an average of averages.

    Recomputing a day replaces its rows (unique per process, day and category).
    """

    ALL = ""  # the category of the process-wide row

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="daily_scores"
    )
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="daily_scores")
    day = models.DateField(_("day"))
    category = models.CharField(_("category"), max_length=200, blank=True)
    volume = models.PositiveIntegerField(_("decisions"), default=0)
    with_outcome = models.PositiveIntegerField(_("with a confirmed outcome"), default=0)
    correct = models.PositiveIntegerField(_("correct"), default=0)
    auto_routed = models.PositiveIntegerField(_("auto-routed"), default=0)
    escalated = models.PositiveIntegerField(_("escalated to a human"), default=0)
    human_resolved = models.PositiveIntegerField(_("resolved by a human"), default=0)
    overridden = models.PositiveIntegerField(_("overridden"), default=0)
    # Escalation → human resolution, of the day's human-resolved decisions.
    resolution_median_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_p90_seconds = models.PositiveIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["process_id", "day", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "day", "category"], name="daily_score_one_per_process_day"
            ),
        ]
        indexes = [models.Index(fields=["engagement", "day"])]

    def __str__(self) -> str:
        return f"{self.process_id} {self.day} {self.category or 'all'}"


class ScoringCursor(models.Model):
    """How far a process's outcomes have been scored: a run rescoring late outcomes reads the
    decisions whose `outcome_at` is after `outcomes_until`, on the (process, outcome_at) index."""

    process = models.OneToOneField(
        Process, on_delete=models.CASCADE, primary_key=True, related_name="scoring_cursor"
    )
    outcomes_until = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.process_id} scored until {self.outcomes_until}"


class AlertRule(models.Model):
    """A drift rule on a process (or one category of it). Thresholds are shares 0–1, as in
    the API: a floor of 0.9000 is 90%; a weekly drop of 0.0300 is three points."""

    class Kind(models.TextChoices):
        ACCURACY_FLOOR = "accuracy_floor", _("Accuracy below a floor")
        WEEKLY_DROP = "weekly_drop", _("Accuracy drop week on week")
        ESCALATION_BAND = "escalation_band", _("Escalation rate outside a band")
        OVERRIDE_CEILING = "override_ceiling", _("Override rate above a ceiling")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="alert_rules")
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="alert_rules")
    category = models.CharField(
        _("category"), max_length=200, blank=True, help_text=_("Blank: the whole process.")
    )
    kind = models.CharField(_("rule"), max_length=30, choices=Kind.choices)
    # The floor, the ceiling, the drop in points, or the band's low end.
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # The band's high end (escalation band only).
    threshold_high = models.DecimalField(
        _("upper threshold"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # The condition must hold this many consecutive scored days before the alert fires.
    for_days = models.PositiveSmallIntegerField(
        _("for (scored days)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # The last scored day the evaluation has read for this rule (services.alerts): the next run
    # reads only later days. None until its first evaluation, and again once re-enabled.
    evaluated_through = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["process_id", "category", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "category", "kind"], name="alert_rule_one_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(threshold__gte=0, threshold__lte=1),
                name="alert_rule_threshold_share",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="escalation_band")
                | models.Q(threshold_high__isnull=False, threshold_high__gte=models.F("threshold")),
                name="alert_rule_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        scope = f"{self.process_id}/{self.category}" if self.category else f"{self.process_id}"
        return f"{self.get_kind_display()} ({scope})"


class AlertEpisode(models.Model):
    """One run of a rule's condition: pending while it has held for fewer than the rule's
    `for_days` scored days, firing once it has, resolved when it clears. At most one open
    (pending or firing) episode per rule, enforced by the database, so a job run twice or a
    condition holding for ten more days never makes a second alert or a second notice."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        FIRING = "firing", _("Firing")
        RESOLVED = "resolved", _("Resolved")

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="alert_episodes"
    )
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="episodes")
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    started_on = models.DateField(_("since"))  # the first scored day the condition held
    last_evaluated_on = models.DateField()
    consecutive_days = models.PositiveSmallIntegerField(default=1)
    value = models.DecimalField(
        _("value"), max_digits=5, decimal_places=4, null=True, blank=True
    )  # latest breach
    fired_at = models.DateTimeField(null=True, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Matched a silence when it fired: recorded like any other, notifies nobody.
    silenced = models.BooleanField(_("silenced"), default=False)
    fired_notice_at = models.DateTimeField(null=True, blank=True)
    resolved_notice_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(_("note"), blank=True)
    investigation_task = models.OneToOneField(
        ReviewTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="alert_episode"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule"],
                condition=models.Q(state__in=["pending", "firing"]),
                name="alert_episode_one_open_per_rule",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "state"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.state} since {self.started_on}"


class Silence(models.Model):
    """A consultant's silence on a rule, or on every rule of a process, until a time."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="silences")
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="silences")
    rule = models.ForeignKey(
        AlertRule, on_delete=models.CASCADE, null=True, blank=True, related_name="silences"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Lifted before its end.
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-ends_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="silence_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"silence {self.process_id}/{self.rule_id or 'all'} until {self.ends_at}"


class WeeklyReview(models.Model):
    """A week's review already made, so the Monday job makes each once however often it runs:
    an edge-case review task per process, a summary e-mail per engagement."""

    class Kind(models.TextChoices):
        EDGE_CASES = "edge_cases", _("Edge-case review")
        SUMMARY = "summary", _("Summary e-mail")

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="weekly_reviews"
    )
    process = models.ForeignKey(
        Process, on_delete=models.CASCADE, null=True, blank=True, related_name="weekly_reviews"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    week = models.DateField(_("week (Monday)"))
    task = models.OneToOneField(
        ReviewTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="weekly_review"
    )
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "week"],
                condition=models.Q(kind="edge_cases"),
                name="weekly_edge_case_review_once",
            ),
            models.UniqueConstraint(
                fields=["engagement", "week"],
                condition=models.Q(kind="summary"),
                name="weekly_summary_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.week}"
