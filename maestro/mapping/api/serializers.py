from rest_framework import serializers

from maestro.lib.serializers import AmountField, ShareField, StrictInputSerializer
from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from maestro.mapping.selectors import EXPORT_FORMAT

# --- processes ---------------------------------------------------------------------------------


class ProcessOutputSerializer(serializers.ModelSerializer):
    documented_step_count = serializers.IntegerField(read_only=True)
    actual_step_count = serializers.IntegerField(read_only=True)
    decision_point_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Process
        fields = [
            "id",
            "engagement",
            "name",
            "description",
            "volume_per_day",
            "minutes_per_case",
            "owner_team",
            "documented_step_count",
            "actual_step_count",
            "decision_point_count",
            "created_at",
            "updated_at",
        ]


class ProcessCreateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    volume_per_day = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, help_text="Cases per day."
    )
    minutes_per_case = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, help_text="Minutes of human work per case."
    )
    owner_team = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ProcessUpdateInputSerializer(ProcessCreateInputSerializer):
    name = serializers.CharField(max_length=200, required=False)


class ProcessSummaryOutputSerializer(serializers.Serializer):
    documented_steps = serializers.IntegerField()
    actual_steps = serializers.IntegerField()
    hidden_steps = serializers.IntegerField(help_text="Actual steps flagged undocumented.")
    informal_steps = serializers.IntegerField()
    informal_approvals = serializers.IntegerField()
    systems_touched = serializers.ListField(child=serializers.CharField())
    decision_points = serializers.IntegerField()
    decision_points_by_autonomy = serializers.DictField(child=serializers.IntegerField())
    human_minutes_per_day = serializers.IntegerField()


# --- steps -------------------------------------------------------------------------------------


class ProcessStepOutputSerializer(serializers.ModelSerializer):
    decision_point_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Step
        fields = [
            "id",
            "process",
            "flow",
            "order",
            "name",
            "actor",
            "system",
            "kind",
            "informal",
            "undocumented",
            "cadence",
            "documented_step",
            "decision_point_count",
        ]


class _StepFieldsSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    actor = serializers.CharField(max_length=200, required=False, allow_blank=True)
    system = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Step.Kind.choices, required=False)
    informal = serializers.BooleanField(required=False)
    undocumented = serializers.BooleanField(required=False)
    cadence = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StepCreateInputSerializer(_StepFieldsSerializer):
    flow = serializers.ChoiceField(choices=Step.Flow.choices)
    documented_step = serializers.PrimaryKeyRelatedField(
        queryset=Step.objects.none(),
        required=False,
        allow_null=True,
        help_text="Actual steps only: the documented step of the same process it belongs to.",
    )

    def __init__(self, *args, process: Process | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if process is not None:
            self.fields["documented_step"].queryset = Step.objects.filter(process=process)


class StepUpdateInputSerializer(StepCreateInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    flow = None  # a step stays in its flow; its order moves only through the reorder action


class StepReorderInputSerializer(StrictInputSerializer):
    flow = serializers.ChoiceField(choices=Step.Flow.choices)
    steps = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=True,
        max_length=1000,
        help_text="Every step id of the flow, exactly once, in the new order.",
    )


# --- decision types and points -----------------------------------------------------------------


class DecisionTypeOutputSerializer(serializers.ModelSerializer):
    decision_point_count = serializers.IntegerField(read_only=True)
    confidence_threshold = ShareField(read_only=True, allow_null=True)

    class Meta:
        model = DecisionType
        fields = [
            "id",
            "engagement",
            "name",
            "description",
            "autonomy",
            "confidence_threshold",
            "exposure_amount",
            "exposure_currency",
            "compliance",
            "reputational_note",
            "decision_point_count",
        ]


class DecisionTypeCreateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    autonomy = serializers.ChoiceField(choices=DecisionType.Autonomy.choices)
    confidence_threshold = ShareField(
        places=2,
        required=False,
        allow_null=True,
        help_text="Required for review_below_threshold, refused otherwise; 2 decimal places.",
    )
    exposure_amount = AmountField(max_digits=14, required=False, allow_null=True)
    exposure_currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        allow_blank=True,
        help_text="ISO 4217 code, e.g. EUR.",
        error_messages={"invalid": "Use a three-letter currency code such as EUR."},
    )
    compliance = serializers.BooleanField(required=False)
    reputational_note = serializers.CharField(required=False, allow_blank=True)


class DecisionTypeUpdateInputSerializer(DecisionTypeCreateInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    autonomy = serializers.ChoiceField(choices=DecisionType.Autonomy.choices, required=False)


class DecisionTypeSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionType
        fields = ["id", "name", "autonomy"]


class DecisionPointOutputSerializer(serializers.ModelSerializer):
    process = serializers.IntegerField(source="step.process_id", read_only=True)
    decision_type = DecisionTypeSummarySerializer(read_only=True)
    inputs = serializers.ListField(child=serializers.CharField())
    outcomes = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = DecisionPoint
        fields = ["id", "process", "step", "decision_type", "inputs", "outcomes"]


def _text_list(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=500), max_length=100, **kwargs
    )


class DecisionPointCreateInputSerializer(StrictInputSerializer):
    decision_type = serializers.PrimaryKeyRelatedField(queryset=DecisionType.objects.none())
    inputs = _text_list(required=False, help_text="What the person looks at.")
    outcomes = _text_list(required=False)

    def __init__(self, *args, engagement_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if engagement_id is not None:
            self.fields["decision_type"].queryset = DecisionType.objects.filter(
                engagement_id=engagement_id
            )


class DecisionPointUpdateInputSerializer(DecisionPointCreateInputSerializer):
    decision_type = serializers.PrimaryKeyRelatedField(
        queryset=DecisionType.objects.none(), required=False
    )


# --- the whole map as JSON ---------------------------------------------------------------------
# One shape for export and import, so what the export writes is exactly what import accepts.


class _MapProcessSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True)
    volume_per_day = serializers.IntegerField(min_value=0, max_value=10_000_000)
    minutes_per_case = serializers.IntegerField(min_value=0, max_value=100_000)
    owner_team = serializers.CharField(max_length=200, allow_blank=True)


class _MapStepSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    actor = serializers.CharField(max_length=200, allow_blank=True)
    system = serializers.CharField(max_length=200, allow_blank=True)
    kind = serializers.ChoiceField(choices=Step.Kind.choices)
    informal = serializers.BooleanField()
    undocumented = serializers.BooleanField()
    cadence = serializers.CharField(max_length=200, allow_blank=True)


class _MapDecisionPointSerializer(StrictInputSerializer):
    decision_type = serializers.CharField(max_length=200, help_text="A name in decision_types.")
    inputs = _text_list()
    outcomes = _text_list()


class _MapActualStepSerializer(_MapStepSerializer):
    documented_step = serializers.IntegerField(
        min_value=1, allow_null=True, help_text="Number (1-based) of its documented step."
    )
    decision_points = _MapDecisionPointSerializer(many=True)


class _MapDecisionTypeSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True)
    autonomy = serializers.ChoiceField(choices=DecisionType.Autonomy.choices)
    confidence_threshold = ShareField(places=2, allow_null=True)
    exposure_amount = AmountField(max_digits=14, allow_null=True)
    exposure_currency = serializers.CharField(max_length=3, allow_blank=True)
    compliance = serializers.BooleanField()
    reputational_note = serializers.CharField(allow_blank=True)


class ProcessMapSerializer(StrictInputSerializer):
    format = serializers.ChoiceField(choices=[EXPORT_FORMAT])
    process = _MapProcessSerializer()
    documented_steps = _MapStepSerializer(many=True, max_length=500)
    actual_steps = _MapActualStepSerializer(many=True, max_length=500)
    decision_types = _MapDecisionTypeSerializer(many=True, max_length=500)

    def validate_decision_types(self, value):
        names = [d["name"] for d in value]
        if len(names) != len(set(names)):
            raise serializers.ValidationError("Decision type names must be unique.")
        return value
