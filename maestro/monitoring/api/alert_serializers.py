from rest_framework import serializers

from maestro.engagements.api.serializers import UserSummarySerializer
from maestro.lib.serializers import (
    DateTimeField,
    IdField,
    IntegerField,
    OutputModelSerializer,
    ShareField,
    StrictInputSerializer,
)
from maestro.monitoring.models import AlertEpisode, AlertRule, Silence

KIND_HELP = (
    "accuracy_floor: accuracy below `threshold`; weekly_drop: this ISO week's accuracy so far "
    "more than `threshold` (in share points, 0.0300 = 3 points) below last week's; "
    "escalation_band: escalation rate below `threshold` or above `threshold_high`; "
    "override_ceiling: override rate above `threshold`."
)


class AlertRuleOutputSerializer(OutputModelSerializer):
    threshold = ShareField()
    threshold_high = ShareField(allow_null=True)

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "engagement",
            "process",
            "category",
            "kind",
            "threshold",
            "threshold_high",
            "for_days",
            "enabled",
            "evaluated_through",
            "created_at",
            "updated_at",
        ]


class AlertRuleCreateInputSerializer(StrictInputSerializer):
    process = IdField(help_text="A process of this engagement.")
    category = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Watch one category of the process; blank: the whole process.",
    )
    kind = serializers.ChoiceField(choices=AlertRule.Kind.choices, help_text=KIND_HELP)
    threshold = ShareField(help_text="The floor, the ceiling, the drop, or the band's low end.")
    threshold_high = ShareField(
        required=False, allow_null=True, help_text="The band's high end (escalation band only)."
    )
    for_days = IntegerField(
        min_value=1,
        max_value=30,
        required=False,
        default=1,
        help_text="Consecutive scored days the condition must hold before the alert fires.",
    )
    enabled = serializers.BooleanField(required=False, default=True)


class AlertRuleUpdateInputSerializer(StrictInputSerializer):
    process = IdField(required=False)
    category = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(
        choices=AlertRule.Kind.choices, required=False, help_text=KIND_HELP
    )
    threshold = ShareField(required=False)
    threshold_high = ShareField(required=False, allow_null=True)
    for_days = IntegerField(min_value=1, max_value=30, required=False)
    enabled = serializers.BooleanField(
        required=False, help_text="false: the rule stops; its open alert resolves."
    )


class AlertEpisodeOutputSerializer(OutputModelSerializer):
    value = ShareField(
        allow_null=True,
        help_text="The latest breach: the rate compared, or for weekly_drop the drop.",
    )
    process = serializers.IntegerField(source="rule.process_id")
    category = serializers.CharField(source="rule.category")
    kind = serializers.ChoiceField(source="rule.kind", choices=AlertRule.Kind.choices)
    acknowledged_by = UserSummarySerializer(allow_null=True)

    class Meta:
        model = AlertEpisode
        fields = [
            "id",
            "engagement",
            "rule",
            "process",
            "category",
            "kind",
            "state",
            "value",
            "started_on",
            "last_evaluated_on",
            "consecutive_days",
            "fired_at",
            "resolved_on",
            "resolved_at",
            "silenced",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledgement_note",
            "investigation_task",
        ]


class AlertEpisodeFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AlertEpisode.State.choices, required=False)
    process = IdField(required=False)
    kind = serializers.ChoiceField(choices=AlertRule.Kind.choices, required=False)
    silenced = serializers.ChoiceField(choices=["true", "false"], required=False)


class AlertAcknowledgeInputSerializer(StrictInputSerializer):
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Optional."
    )


class SilenceOutputSerializer(OutputModelSerializer):
    created_by = UserSummarySerializer()
    active = serializers.SerializerMethodField(help_text="In force now.")

    class Meta:
        model = Silence
        fields = [
            "id",
            "engagement",
            "process",
            "rule",
            "starts_at",
            "ends_at",
            "reason",
            "created_by",
            "created_at",
            "lifted_at",
            "active",
        ]

    def get_active(self, silence: Silence) -> bool:
        now = self.context["now"]
        return silence.lifted_at is None and silence.starts_at <= now < silence.ends_at


class SilenceCreateInputSerializer(StrictInputSerializer):
    process = IdField(help_text="The process whose alerts are silenced.")
    rule = IdField(
        required=False,
        allow_null=True,
        help_text="One rule of that process; absent or null: every rule of the process.",
    )
    starts_at = DateTimeField(required=False, help_text="Default: now.")
    ends_at = DateTimeField(help_text="When the silence ends (at most 90 days after it starts).")
    reason = serializers.CharField(max_length=2000, help_text="Why, e.g. a planned policy change.")
