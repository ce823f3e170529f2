from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maestro.decisions.models import Decision
from maestro.engagements.api.serializers import UserSummarySerializer
from maestro.lib.serializers import ShareField, StrictInputSerializer
from maestro.reviews.models import EdgeCase, ReviewTask, ReviewTaskEvent
from maestro.reviews.services import MAX_BULK_REASSIGN
from maestro.tenancy.models import User


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class DecisionSummarySerializer(serializers.ModelSerializer):
    process = serializers.IntegerField(source="process_id")
    process_name = serializers.CharField(source="process.name")
    reasons = ReasonSerializer(many=True)
    confidence = ShareField(read_only=True, help_text="The agent's confidence.")
    playbook_version = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "process",
            "process_name",
            "case_ref",
            "category",
            "proposed_outcome",
            "confidence",
            "amount",
            "currency",
            "counterparty",
            "payload",
            "route",
            "reasons",
            "playbook_version",
            "received_at",
            "final_outcome",
            "outcome_source",
            "overridden",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_playbook_version(self, obj: Decision) -> int | None:
        version = obj.playbook_version
        return version.number if version else None


class ReviewTaskOutputSerializer(serializers.ModelSerializer):
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    resolved_by = UserSummarySerializer(read_only=True, allow_null=True)
    decision = DecisionSummarySerializer(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReviewTask
        fields = [
            "id",
            "url",
            "engagement",
            "kind",
            "title",
            "status",
            "assignee",
            "due_at",
            "overdue",
            "escalation_level",
            "decision",
            "final_outcome",
            "note",
            "resolved_by",
            "resolved_at",
            "created_at",
        ]

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, obj: ReviewTask) -> bool:
        return obj.is_overdue(self.context.get("now"))

    @extend_schema_field(serializers.CharField())
    def get_url(self, obj: ReviewTask) -> str:
        return obj.get_absolute_url()


class ReviewTaskEventOutputSerializer(serializers.ModelSerializer):
    from_user = UserSummarySerializer(read_only=True, allow_null=True)
    to_user = UserSummarySerializer(read_only=True, allow_null=True)
    by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReviewTaskEvent
        fields = ["kind", "from_user", "to_user", "by", "note", "at"]


class ReviewTaskDetailOutputSerializer(ReviewTaskOutputSerializer):
    events = ReviewTaskEventOutputSerializer(many=True, read_only=True, source="events_list")
    outcome_choices = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Known outcomes for the decision, the agent's proposal first.",
    )

    class Meta(ReviewTaskOutputSerializer.Meta):
        fields = [*ReviewTaskOutputSerializer.Meta.fields, "events", "outcome_choices"]


class EngagementReviewTaskFilterSerializer(StrictInputSerializer):
    status = serializers.ChoiceField(choices=ReviewTask.Status.choices, required=False)
    assignee = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class ReviewTaskResolveInputSerializer(StrictInputSerializer):
    final_outcome = serializers.CharField(max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ReviewTaskReassignInputSerializer(StrictInputSerializer):
    to_user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def __init__(self, *args, assignees=None, **kwargs):
        super().__init__(*args, **kwargs)
        if assignees is not None:
            self.fields["to_user"].queryset = assignees


class ReviewTasksReassignInputSerializer(StrictInputSerializer):
    tasks = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        min_length=1,
        max_length=MAX_BULK_REASSIGN,
        help_text=f"Ids of the open review tasks to reassign (1 to {MAX_BULK_REASSIGN}).",
    )
    to_user = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="Who gets them: an operator of the client or a consultant of the engagement.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def validate_tasks(self, value: list[int]) -> list[int]:
        return list(dict.fromkeys(value))


class ReviewTasksReassignOutputSerializer(serializers.Serializer):
    reassigned = serializers.ListField(
        child=serializers.IntegerField(), help_text="The tasks that moved to `to_user`."
    )
    unchanged = serializers.ListField(
        child=serializers.IntegerField(), help_text="The tasks `to_user` already held."
    )
    to_user = UserSummarySerializer()


class EdgeCaseOutputSerializer(serializers.ModelSerializer):
    flagged_by = UserSummarySerializer(read_only=True, allow_null=True)
    case_ref = serializers.CharField(source="decision.case_ref", read_only=True)
    process_name = serializers.CharField(source="decision.process.name", read_only=True)

    class Meta:
        model = EdgeCase
        fields = [
            "id",
            "engagement",
            "decision",
            "case_ref",
            "process_name",
            "note",
            "flagged_by",
            "flagged_at",
            "reviewed_at",
        ]


class EdgeCaseFilterSerializer(StrictInputSerializer):
    engagement = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    reviewed = serializers.BooleanField(required=False, allow_null=True, default=None)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class EdgeCaseFlagInputSerializer(StrictInputSerializer):
    decision = serializers.PrimaryKeyRelatedField(queryset=Decision.objects.none())
    note = serializers.CharField(max_length=5000)

    def __init__(self, *args, decisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if decisions is not None:
            self.fields["decision"].queryset = decisions
