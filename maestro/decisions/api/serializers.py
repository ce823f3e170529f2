from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maestro.decisions.models import AgentApiKey, Decision
from maestro.engagements.api.serializers import UserSummarySerializer
from maestro.lib.serializers import IdField, ShareField, StrictInputSerializer

# Items in one batch posted by the agent (decisions, outcomes).
MAX_BATCH = 1000


class BatchItemField(serializers.JSONField):
    """One item of a batch, taken as it comes: the view validates each item on its own, so a
    `1` or a `null` among valid decisions rejects that item (with its index), not the batch."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


class OutcomeFeedbackInputSerializer(StrictInputSerializer):
    process = IdField()
    case_ref = serializers.CharField(max_length=200)
    outcome = serializers.CharField(max_length=200)


@extend_schema_field(OutcomeFeedbackInputSerializer)
class OutcomeFeedbackBatchItemField(BatchItemField):
    pass


class OutcomeFeedbackBatchInputSerializer(StrictInputSerializer):
    outcomes = serializers.ListField(
        child=OutcomeFeedbackBatchItemField(), min_length=1, max_length=MAX_BATCH
    )


class OutcomeFeedbackOutputSerializer(serializers.Serializer):
    index = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=["recorded", "rejected"])
    id = serializers.IntegerField(required=False)
    case_ref = serializers.CharField(required=False)
    final_outcome = serializers.CharField(required=False)
    overridden = serializers.BooleanField(required=False)
    code = serializers.CharField(required=False)
    detail = serializers.CharField(required=False)
    errors = serializers.DictField(required=False)


class OutcomeFeedbackBatchOutputSerializer(serializers.Serializer):
    recorded = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = OutcomeFeedbackOutputSerializer(many=True)


class AgentApiKeyCreateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    is_test = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A test key (`mk_test_…`): its decisions are routed and answered like live "
        "ones but stored as test decisions, left out of metrics, economics and scoring, and "
        "removable at once (`POST /api/engagements/{id}/test-decisions/remove/`).",
    )


class AgentApiKeyOutputSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(read_only=True)
    created_by = serializers.StringRelatedField()

    class Meta:
        model = AgentApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "engagement",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
            "active",
            "is_test",
        ]


class AgentApiKeyCreatedOutputSerializer(AgentApiKeyOutputSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The key itself. Shown this once: Maestro stores only its hash."
    )

    class Meta(AgentApiKeyOutputSerializer.Meta):
        fields = [*AgentApiKeyOutputSerializer.Meta.fields, "secret"]

    def get_secret(self, obj) -> str:
        return self.context["secret"]


class RemovedTestDecisionsOutputSerializer(serializers.Serializer):
    decisions = serializers.IntegerField(help_text="Test decisions removed.")
    review_tasks = serializers.IntegerField(help_text="Their review tasks, removed with them.")


def not_an_envelope_error() -> dict:
    return {
        "non_field_errors": [
            _('Send one decision as a JSON object, or a batch as {"decisions": [ … ]}.')
        ]
    }


class VolumeSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    today = serializers.IntegerField()
    last_7_days = serializers.IntegerField()


class ProcessEconomicsSerializer(serializers.Serializer):
    process = serializers.IntegerField(source="process.pk")
    process_name = serializers.CharField(source="process.name")
    volume_per_day = serializers.IntegerField()
    minutes_per_case = serializers.IntegerField()
    hours_per_day = serializers.DecimalField(max_digits=12, decimal_places=2)
    automation_rate = ShareField(
        allow_null=True,
        help_text="Share of live decisions routed auto; null until the agent is live.",
    )
    decisions = serializers.IntegerField()
    hours_freed_per_day = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    fte_freed = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class EconomicsTotalSerializer(serializers.Serializer):
    hours_per_day = serializers.DecimalField(max_digits=12, decimal_places=2)
    hours_freed_per_day = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    fte_freed = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    measured_processes = serializers.IntegerField()
    processes = serializers.IntegerField()


class DeploymentMetricsOutputSerializer(serializers.Serializer):
    volume = VolumeSerializer()
    escalation_rate = ShareField(allow_null=True, help_text="Share of decisions routed human.")
    override_rate = ShareField(
        allow_null=True, help_text="Of decisions a reviewer resolved, the share overridden."
    )
    accuracy = ShareField(
        allow_null=True,
        help_text="Of decisions with a confirmed outcome, the share the agent got right.",
    )
    reviewed = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    open_tasks = serializers.IntegerField()
    overdue_tasks = serializers.IntegerField()
    economics = ProcessEconomicsSerializer(many=True)
    economics_total = EconomicsTotalSerializer()


# --- the decision record (people) ------------------------------------------------------------


class DecisionReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable: `confidence_below`, `amount_above`, …")
    message = serializers.CharField(help_text="The reason in words, for people.")


class DecisionProcessSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DecisionPlaybookVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField(help_text="The version's number within its playbook.")


class DecisionReviewTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["open", "resolved", "cancelled"])
    assignee = UserSummarySerializer(allow_null=True)
    due_at = serializers.DateTimeField()
    final_outcome = serializers.CharField(help_text="The reviewer's outcome; empty while open.")
    resolved_at = serializers.DateTimeField(allow_null=True)


class DecisionOutcomeSerializer(serializers.Serializer):
    final_outcome = serializers.CharField()
    outcome_source = serializers.ChoiceField(
        choices=Decision.OutcomeSource.choices,
        help_text="`review`: a reviewer resolved its task; `feedback`: the agent reported it.",
    )
    outcome_at = serializers.DateTimeField()
    overridden = serializers.BooleanField(help_text="The outcome differs from the proposal.")


class DecisionOutputSerializer(serializers.ModelSerializer):
    """One decision of the record, as the list shows it."""

    url = serializers.SerializerMethodField(help_text="The decision's page.")
    process = DecisionProcessSerializer()
    decision_type = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    reasons = DecisionReasonSerializer(many=True)
    confidence = ShareField(read_only=True, help_text="The agent's confidence.")
    playbook_version = DecisionPlaybookVersionSerializer(allow_null=True)
    review_task = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "url",
            "engagement",
            "process",
            "case_ref",
            "decision_type",
            "category",
            "proposed_outcome",
            "confidence",
            "amount",
            "currency",
            "counterparty",
            "route",
            "reasons",
            "playbook_version",
            "review_task",
            "outcome",
            "is_test",
            "received_at",
        ]

    def get_url(self, obj: Decision) -> str:
        return reverse("decisions:detail", args=[obj.pk])

    @extend_schema_field(DecisionReviewTaskSerializer(allow_null=True))
    def get_review_task(self, obj: Decision) -> dict | None:
        # A reverse one-to-one (the reviews app sits above): loaded by the selector's join.
        task = getattr(obj, "review_task", None)
        return DecisionReviewTaskSerializer(task).data if task is not None else None

    @extend_schema_field(DecisionOutcomeSerializer(allow_null=True))
    def get_outcome(self, obj: Decision) -> dict | None:
        if not obj.outcome_source:
            return None
        return DecisionOutcomeSerializer(obj).data


class DecisionDetailOutputSerializer(DecisionOutputSerializer):
    """One decision with everything it holds: the list's fields and the agent's payload."""

    class Meta(DecisionOutputSerializer.Meta):
        fields = [*DecisionOutputSerializer.Meta.fields, "payload"]
