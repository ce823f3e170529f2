from decimal import ROUND_HALF_EVEN, Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maestro.decisions.models import AgentApiKey, Decision
from maestro.decisions.services.intake import MAX_BATCH, payload_errors
from maestro.lib.numbers import parse_decimal
from maestro.lib.serializers import AmountField, IdField, StrictInputSerializer

CONFIDENCE_STEP = Decimal("0.0001")


class ConfidenceField(serializers.FloatField):
    """0–1, any precision: models emit 0.873456…; stored rounded to 4 decimals. The range is
    checked before rounding (1e24 could not be rounded to 4 decimals: that was a 500), and only
    numbers count: not `true`, "NaN", "Infinity" or full-width digits (maestro.lib.numbers)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            number = parse_decimal(data)
        except ValueError:
            self.fail("invalid")
        if number < self.min_value:
            self.fail("min_value", min_value=self.min_value)
        if number > self.max_value:
            self.fail("max_value", max_value=self.max_value)
        return number.quantize(CONFIDENCE_STEP, rounding=ROUND_HALF_EVEN)


class PayloadField(serializers.JSONField):
    def to_internal_value(self, data):
        problems = payload_errors(data)
        if problems:
            raise serializers.ValidationError(problems)
        return data


class DecisionIntakeInputSerializer(StrictInputSerializer):
    process = IdField(help_text="Id of a process of the API key's engagement.")
    case_ref = serializers.CharField(
        max_length=200, help_text="The agent's id of the case; unique per process (idempotency)."
    )
    decision_type = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Name of a decision type of the engagement (optional).",
    )
    category = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    proposed_outcome = serializers.CharField(max_length=200)
    confidence = ConfidenceField(help_text="The agent's confidence, 0–1 (stored to 4 decimals).")
    amount = AmountField(
        required=False,
        allow_null=True,
        default=None,
        help_text="0 to 9999999999999.99 (13 digits and 2 decimals).",
    )
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "Give a three-letter currency code (ISO 4217), e.g. USD."},
    )
    counterparty = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    payload = PayloadField(
        required=False,
        default=dict,
        help_text="Any JSON object (at most 16 KiB serialized), shown to reviewers.",
    )

    def validate_currency(self, value: str) -> str:
        return value.upper()


class BatchItemField(serializers.JSONField):
    """One item of a batch, taken as it comes: the view validates each item on its own, so a
    `1` or a `null` among valid decisions rejects that item (with its index), not the batch."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


@extend_schema_field(DecisionIntakeInputSerializer)
class DecisionBatchItemField(BatchItemField):
    pass


class DecisionBatchInputSerializer(StrictInputSerializer):
    decisions = serializers.ListField(
        child=DecisionBatchItemField(), min_length=1, max_length=MAX_BATCH
    )


class DecisionIntakeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_ref = serializers.CharField()
    route = serializers.ChoiceField(choices=Decision.Route.choices)
    reasons = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    playbook_version = serializers.IntegerField(
        allow_null=True, help_text="Number of the playbook version that routed it."
    )
    review_task = serializers.IntegerField(allow_null=True)
    created = serializers.BooleanField(
        help_text="False when this (process, case_ref) was posted before: the first answer."
    )


class DecisionBatchItemOutputSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["accepted", "rejected"])
    id = serializers.IntegerField(required=False)
    case_ref = serializers.CharField(required=False)
    route = serializers.ChoiceField(choices=Decision.Route.choices, required=False)
    reasons = serializers.ListField(child=serializers.DictField(), required=False)
    playbook_version = serializers.IntegerField(allow_null=True, required=False)
    review_task = serializers.IntegerField(allow_null=True, required=False)
    created = serializers.BooleanField(required=False)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class DecisionBatchOutputSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = DecisionBatchItemOutputSerializer(many=True)


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
        ]


class AgentApiKeyCreatedOutputSerializer(AgentApiKeyOutputSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The key itself. Shown this once: Maestro stores only its hash."
    )

    class Meta(AgentApiKeyOutputSerializer.Meta):
        fields = [*AgentApiKeyOutputSerializer.Meta.fields, "secret"]

    def get_secret(self, obj) -> str:
        return self.context["secret"]


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
    automation_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
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
    escalation_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    override_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    accuracy = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    reviewed = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    open_tasks = serializers.IntegerField()
    overdue_tasks = serializers.IntegerField()
    economics = ProcessEconomicsSerializer(many=True)
    economics_total = EconomicsTotalSerializer()
