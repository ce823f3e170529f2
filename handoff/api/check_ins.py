"""Check-ins in the API: a plan's check-ins (filter by status), one check-in, recording one
(the engagement's consultants), and the caller's calendar feed (its status, a new URL, revoking
it). Scoped through the selectors: another tenant's rows are 404s."""

from datetime import timedelta

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from handoff.models import CheckIn, CheckInFollowUp, CheckInStage, Stage
from handoff.selectors import check_ins as selectors
from handoff.services import calendar as calendar_services
from handoff.services import check_ins as services
from maestro.engagements.api.serializers import UserSummarySerializer
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.lib.serializers import (
    DateTimeField,
    IdField,
    OutputModelSerializer,
    ShareField,
    StrictInputSerializer,
)

RECORD_CONFLICT = OpenApiResponse(
    description="Already recorded (`check_in_already_recorded`) or cancelled "
    "(`check_in_cancelled`); nothing changed."
)
# More competencies than a plan could sensibly hold: a bound on the request, not a rule.
MAX_STAGES = 100


class CheckInStageOutputSerializer(OutputModelSerializer):
    name = serializers.CharField(source="competency.name")

    class Meta:
        model = CheckInStage
        fields = ["competency", "name", "stage"]


class CheckInFollowUpOutputSerializer(OutputModelSerializer):
    title = serializers.CharField(source="task.title")
    due_at = DateTimeField(source="task.due_at")
    assignee = UserSummarySerializer(source="task.assignee")
    status = serializers.CharField(source="task.status")

    class Meta:
        model = CheckInFollowUp
        fields = ["task", "title", "due_at", "assignee", "status"]


class CheckInOutputSerializer(OutputModelSerializer):
    ends_at = serializers.SerializerMethodField()
    readiness = ShareField(
        allow_null=True,
        help_text="Share of the plan's competencies at target once recorded; null before.",
    )
    recorded_by = UserSummarySerializer(allow_null=True)
    stages = CheckInStageOutputSerializer(many=True)
    follow_ups = CheckInFollowUpOutputSerializer(many=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "plan",
            "scheduled_at",
            "ends_at",
            "duration_minutes",
            "status",
            "uid",
            "sequence",
            "reminded_at",
            "missed_at",
            "recorded_at",
            "recorded_by",
            "notes",
            "readiness",
            "stages",
            "follow_ups",
        ]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_ends_at(self, check_in: CheckIn) -> str:
        return DateTimeField().to_representation(
            check_in.scheduled_at + timedelta(minutes=check_in.duration_minutes)
        )


def _with_details(rows):
    return rows.select_related("recorded_by").prefetch_related(
        "stages__competency", "follow_ups__task__assignee"
    )


class CheckInFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CheckIn.Status.choices, required=False)


class PlanCheckInListApi(generics.ListAPIView):
    """The plan's check-ins, latest first; filter by `status`."""

    serializer_class = CheckInOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        plan = selectors.plan_get_for_user(user=self.request.user, pk=self.kwargs["plan_id"])
        query = CheckInFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return _with_details(
            selectors.check_in_list_for_plan(plan=plan, status=query.validated_data.get("status"))
        )

    @extend_schema(
        parameters=[CheckInFilterSerializer],
        responses={200: CheckInOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CheckInDetailApi(APIView):
    @extend_schema(responses={200: CheckInOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, check_in_id: int):
        """One check-in: its time (UTC), status, calendar uid and sequence, and once recorded
        the stage reached per competency, notes, readiness and follow-up tasks."""
        check_in = selectors.check_in_get_for_user(user=request.user, pk=check_in_id)
        return Response(CheckInOutputSerializer(_one(check_in.pk)).data)


def _one(pk: int) -> CheckIn:
    return _with_details(CheckIn.objects.filter(pk=pk)).get()


class StageInputSerializer(StrictInputSerializer):
    competency = IdField(help_text="A competency of this check-in's plan.")
    stage = serializers.ChoiceField(choices=Stage.choices)


class FollowUpInputSerializer(StrictInputSerializer):
    text = serializers.CharField(max_length=services.FOLLOW_UP_TEXT_MAX)
    due_on = serializers.DateField(help_text="The client's local date; today or later.")


class CheckInRecordInputSerializer(StrictInputSerializer):
    stages = serializers.ListField(
        child=StageInputSerializer(),
        max_length=MAX_STAGES,
        help_text="The stage reached per competency; competencies left out keep theirs.",
    )
    notes = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    follow_ups = serializers.ListField(
        child=FollowUpInputSerializer(),
        max_length=services.MAX_FOLLOW_UPS,
        required=False,
        default=list,
        help_text=f"At most {services.MAX_FOLLOW_UPS}; each becomes a review task for the "
        "plan's operator, due at the end of its local date.",
    )

    def validate_stages(self, value):
        ids = [item["competency"] for item in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("A competency is named twice.")
        return value


class CheckInRecordApi(APIView):
    @extend_schema(
        request=CheckInRecordInputSerializer,
        responses={200: CheckInOutputSerializer, **ERROR_RESPONSES, 409: RECORD_CONFLICT},
    )
    def post(self, request, check_in_id: int):
        """Record the check-in (the engagement's consultants): scheduled or missed ones; a
        missed one keeps `missed_at`. Once."""
        check_in = selectors.check_in_get_for_user(user=request.user, pk=check_in_id)
        serializer = CheckInRecordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.check_in_record(
            check_in=check_in,
            by=request.user,
            stages={item["competency"]: item["stage"] for item in data["stages"]},
            notes=data["notes"],
            follow_ups=[services.FollowUp(**item) for item in data["follow_ups"]],
        )
        return Response(CheckInOutputSerializer(_one(check_in.pk)).data)


class CalendarFeedOutputSerializer(serializers.Serializer):
    active = serializers.BooleanField()
    created_at = DateTimeField(allow_null=True)
    url = serializers.URLField(
        allow_null=True,
        help_text="The feed's URL: only in the answer that made it (the token is not stored).",
    )


class CalendarFeedApi(APIView):
    """The caller's private calendar feed (iCalendar) of the check-ins they take part in."""

    @extend_schema(responses={200: CalendarFeedOutputSerializer, **ERROR_RESPONSES})
    def get(self, request):
        """Whether the caller has a live feed (its URL cannot be shown again)."""
        feed = calendar_services.calendar_feed_live(user=request.user)
        return Response(
            {
                "active": feed is not None,
                "created_at": DateTimeField().to_representation(feed.created_at) if feed else None,
                "url": None,
            }
        )

    @extend_schema(request=None, responses={201: CalendarFeedOutputSerializer, **ERROR_RESPONSES})
    def post(self, request):
        """Make a new feed URL (the previous one stops working at once)."""
        feed, token = calendar_services.calendar_feed_create(user=request.user)
        url = request.build_absolute_uri(reverse("handoff:calendar-feed", kwargs={"token": token}))
        return Response(
            {
                "active": True,
                "created_at": DateTimeField().to_representation(feed.created_at),
                "url": url,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def delete(self, request):
        """Revoke the caller's feed (its URL becomes a 404); nothing to revoke is fine too."""
        calendar_services.calendar_feed_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
