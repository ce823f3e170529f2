from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maestro.decisions.api.serializers import MAX_BATCH, BatchItemField
from maestro.decisions.models import Decision
from maestro.intake.services import payload_errors
from maestro.lib.serializers import AmountField, IdField, ShareField, StrictInputSerializer


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
    # Any precision: models emit 0.873456…; kept to 4 places (rounded half to even).
    confidence = ShareField(
        round_input=True, help_text="The agent's confidence; more than 4 places are rounded."
    )
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
