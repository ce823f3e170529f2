from datetime import time

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from handoff.models import Competency, SkillTransferPlan, Stage, StanceStep
from handoff.selectors.readiness import readiness_of
from handoff.services.plans import NOTE_MAX
from maestro.engagements.api.serializers import UserSummarySerializer
from maestro.engagements.models import Engagement
from maestro.lib.serializers import (
    DateTimeField,
    DecimalField,
    IdField,
    IntegerField,
    OutputModelSerializer,
    ShareField,
    StrictInputSerializer,
)

EVIDENCE_MAX = 10_000
READINESS_HELP = "Share of the plan's competencies at their target stage; null without any."
KAPPA_HELP = (
    "Cohen's kappa the operator's shadow answers must reach with the consultant's for the "
    "handoff → advisory gate (-1 to 1, three places; 0.600 = substantial)."
)


class LocalTimeField(serializers.RegexField):
    """A wall-clock time in the client's time zone, "HH:MM": no offset, so not an RFC 3339
    time (which the schema's `format: time` would promise)."""

    default_error_messages = {"invalid": 'A local time is written HH:MM, e.g. "09:30".'}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "HH:MM in the client's time zone.")
        super().__init__(regex=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", **kwargs)

    def run_validation(self, data=serializers.empty):
        # The pattern is checked on the text (RegexField's validator); then it becomes a time.
        value = super().run_validation(data)
        if not isinstance(value, str) or not value:
            return value
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))

    def to_representation(self, value: time) -> str:
        return value.strftime("%H:%M")


class CompetencyOutputSerializer(OutputModelSerializer):
    position = serializers.IntegerField(source="order", help_text="0 = first.")
    at_target = serializers.BooleanField(help_text="The current stage is at or past the target.")

    class Meta:
        model = Competency
        fields = [
            "id",
            "plan",
            "name",
            "target_stage",
            "current_stage",
            "evidence",
            "position",
            "at_target",
        ]


class PlanOutputSerializer(OutputModelSerializer):
    operator = UserSummarySerializer()
    kappa_bar = DecimalField(max_digits=4, decimal_places=3, help_text=KAPPA_HELP)
    shadow_share = ShareField(help_text="Share of escalated decisions both answer blind.")
    local_time = LocalTimeField()
    readiness = serializers.SerializerMethodField()
    competencies = CompetencyOutputSerializer(many=True)

    class Meta:
        model = SkillTransferPlan
        fields = [
            "id",
            "engagement",
            "operator",
            "every_weeks",
            "weekday",
            "local_time",
            "duration_minutes",
            "starts_on",
            "reminder_minutes",
            "grace_minutes",
            "kappa_bar",
            "shadow_cases_min",
            "shadow_share",
            "readiness",
            "competencies",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(ShareField(allow_null=True, help_text=READINESS_HELP))
    def get_readiness(self, plan: SkillTransferPlan) -> str | None:
        share = readiness_of(plan).share
        return None if share is None else ShareField().to_representation(share)


def _cadence_fields(required: bool) -> dict:
    return {
        "every_weeks": IntegerField(min_value=1, max_value=8, required=required),
        "weekday": IntegerField(
            min_value=0, max_value=6, required=required, help_text="0 = Monday … 6 = Sunday."
        ),
        "local_time": LocalTimeField(required=required),
        "duration_minutes": IntegerField(min_value=15, max_value=240, required=required),
        "starts_on": serializers.DateField(
            required=required, help_text="The cadence counts from this week."
        ),
        "reminder_minutes": IntegerField(min_value=0, max_value=7 * 24 * 60, required=required),
        "grace_minutes": IntegerField(min_value=0, max_value=7 * 24 * 60, required=required),
        "kappa_bar": DecimalField(
            max_digits=4,
            decimal_places=3,
            min_value=-1,
            max_value=1,
            required=required,
            help_text=KAPPA_HELP,
        ),
        "shadow_cases_min": IntegerField(min_value=0, max_value=100_000, required=required),
    }


class PlanCreateInputSerializer(StrictInputSerializer):
    operator = IdField(help_text="An active operator of the engagement's client.")
    competencies = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=50,
        help_text="Names; by default the four: Monitoring, Edge-case review, Escalation "
        "management, Playbook tuning.",
    )

    def get_fields(self):
        return {**super().get_fields(), **_cadence_fields(required=False)}


class PlanUpdateInputSerializer(StrictInputSerializer):
    def get_fields(self):
        return {**super().get_fields(), **_cadence_fields(required=False)}


class CompetencyCreateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    target_stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    current_stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    evidence = serializers.CharField(max_length=EVIDENCE_MAX, required=False, allow_blank=True)


class CompetencyUpdateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    target_stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    current_stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    evidence = serializers.CharField(max_length=EVIDENCE_MAX, required=False, allow_blank=True)
    position = IntegerField(
        min_value=0, max_value=1000, required=False, help_text="Move it here (0 = first)."
    )


class TrendPointSerializer(serializers.Serializer):
    check_in = serializers.IntegerField(source="check_in_id")
    at = DateTimeField(help_text="When the check-in was scheduled.")
    readiness = ShareField(source="share", help_text="Readiness the check-in ended with.")


class ReadinessOutputSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="plan.pk")
    operator = UserSummarySerializer(source="plan.operator")
    readiness = ShareField(source="share", allow_null=True, help_text=READINESS_HELP)
    at_target = serializers.IntegerField(help_text="Competencies at their target stage.")
    total = serializers.IntegerField(help_text="Competencies in the plan.")
    trend = TrendPointSerializer(many=True, help_text="One point per recorded check-in.")


class EngagementReadinessOutputSerializer(serializers.Serializer):
    engagement = serializers.IntegerField()
    plans = ReadinessOutputSerializer(many=True)


class StanceStepOutputSerializer(OutputModelSerializer):
    by = UserSummarySerializer()

    class Meta:
        model = StanceStep
        fields = ["id", "engagement", "from_stance", "to_stance", "by", "at", "note"]


class StanceStepInputSerializer(StrictInputSerializer):
    to_stance = serializers.ChoiceField(
        choices=Engagement.Stance.choices,
        help_text="The next rung down from the current stance (lead → advisory → out).",
    )
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
