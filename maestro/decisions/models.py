from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement
from maestro.lib.lookups import JSONListHasCode
from maestro.mapping.models import DecisionType, Process


class AgentApiKey(models.Model):
    """The credential a live agent posts decisions with. Scoped to one engagement; only a
    SHA-256 of the secret is stored, and the secret is shown once, at creation."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=200)
    # The first characters of the key, stored in clear so a key can be found by one indexed
    # lookup and recognised in lists ("mk_3f9a…", a test key "mk_test_3f9a…").
    prefix = models.CharField(_("prefix"), max_length=24, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A test key's decisions are routed and answered like live ones but stored as test
    # decisions (Decision.is_test): kept out of metrics, economics and scoring, removable at once.
    is_test = models.BooleanField(_("test mode"), default=False)

    class Meta:
        ordering = ["engagement_id", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class DecisionQuerySet(models.QuerySet):
    def live(self) -> "DecisionQuerySet":
        """Decisions of live keys: the only ones metrics, economics and scoring may count."""
        return self.filter(is_test=False)

    def test(self) -> "DecisionQuerySet":
        """Decisions posted with a test key."""
        return self.filter(is_test=True)


class Decision(models.Model):
    """One live decision the agent posted, with the route the playbook gave it.

    (process, case_ref) is unique per mode (live or test): agents retry, and a retry must return
    the first answer; a case ref tried with a test key stays free for the live agent.
    `final_outcome` is the confirmed outcome — from the human who resolved its review task, or
    from outcome feedback for an auto-routed decision — so accuracy can be scored for both.
    """

    class Route(models.TextChoices):
        AUTO = "auto", _("Auto")
        HUMAN = "human", _("Human")

    class OutcomeSource(models.TextChoices):
        REVIEW = "review", _("Human review")
        FEEDBACK = "feedback", _("Outcome feedback")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="decisions")
    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="decisions")
    case_ref = models.CharField(_("case ref"), max_length=200)
    decision_type = models.ForeignKey(
        DecisionType, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    category = models.CharField(_("category"), max_length=200, blank=True)
    proposed_outcome = models.CharField(_("proposed outcome"), max_length=200)
    confidence = models.DecimalField(
        _("confidence"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    route = models.CharField(_("route"), max_length=10, choices=Route.choices)
    # [{"code": "amount_above", "message": "Amount 75,000.00 USD is above 50,000.00 USD"}, …]
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    playbook_version = models.ForeignKey(
        "playbooks.PlaybookVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
    )
    received_at = models.DateTimeField(auto_now_add=True)
    final_outcome = models.CharField(_("final outcome"), max_length=200, blank=True)
    outcome_source = models.CharField(max_length=10, choices=OutcomeSource.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # Set when a human's final outcome differs from the agent's proposal.
    overridden = models.BooleanField(default=False)
    # Posted with a test key (AgentApiKey.is_test). Count decisions through
    # `Decision.objects.live()` wherever a figure is shown or scored.
    is_test = models.BooleanField(_("test"), default=False)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "is_test", "case_ref"],
                name="decision_case_ref_unique_per_process_and_mode",
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0, confidence__lte=1),
                name="decision_confidence_0_1",
            ),
            models.CheckConstraint(
                condition=models.Q(route__in=["auto", "human"]), name="decision_route_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "-received_at"]),
            models.Index(fields=["process", "-received_at"]),
            # Scoring finds the days whose decisions got a late outcome since its last run.
            models.Index(fields=["process", "outcome_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.case_ref} → {self.route}"


# `reasons__has_code="amount_above"`: the decision record's reason-code filter.
Decision._meta.get_field("reasons").register_lookup(JSONListHasCode)
