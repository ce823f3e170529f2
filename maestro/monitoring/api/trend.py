"""GET /api/engagements/{id}/trend/: this week (so far) against last week, for the engagement
and each process, in the client's local weeks. Shares are ShareField strings ("0.9230")."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.lib.serializers import ShareField
from maestro.monitoring.selectors.trend import engagement_trend


class WeekFiguresSerializer(serializers.Serializer):
    volume = serializers.IntegerField(help_text="Decisions scored in the week.")
    with_outcome = serializers.IntegerField(help_text="Of those, with a confirmed outcome.")
    correct = serializers.IntegerField()
    auto_routed = serializers.IntegerField()
    escalated = serializers.IntegerField()
    human_resolved = serializers.IntegerField()
    overridden = serializers.IntegerField()
    accuracy = ShareField(allow_null=True, help_text="correct / with_outcome.")
    automation_rate = ShareField(allow_null=True, help_text="auto_routed / volume.")
    escalation_rate = ShareField(allow_null=True, help_text="escalated / volume.")
    override_rate = ShareField(allow_null=True, help_text="overridden / human_resolved.")


class RateChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    points = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="This week's percent minus last week's, one decimal; null without both.",
    )
    direction = serializers.ChoiceField(choices=["up", "down", "level", ""])


class TrendSerializer(serializers.Serializer):
    sentence = serializers.CharField(
        help_text='E.g. "92.3% correct decisions this week, down from 94.1%".'
    )
    this_week = WeekFiguresSerializer()
    last_week = WeekFiguresSerializer()
    changes = RateChangeSerializer(many=True)


class ProcessTrendSerializer(TrendSerializer):
    process = serializers.IntegerField(source="process.pk")
    process_name = serializers.CharField(source="process.name")


class EngagementTrendOutputSerializer(serializers.Serializer):
    engagement = serializers.IntegerField(source="engagement.pk")
    time_zone = serializers.CharField(source="engagement.client.time_zone")
    today = serializers.DateField(help_text="The client's local date.")
    this_week_start = serializers.DateField(help_text="Monday of this week (so far).")
    last_week_start = serializers.DateField()
    overall = TrendSerializer(help_text="The engagement: summed counts of every process.")
    processes = ProcessTrendSerializer(many=True)


class EngagementTrendApi(APIView):
    @extend_schema(responses={200: EngagementTrendOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, engagement_id: int):
        """This week so far against last week, per engagement and per process: summed counts
        of the daily scores and their shares (never an average of daily rates), the change of
        each rate in points, and the sentence the Monitoring page shows."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        trend = engagement_trend(engagement=engagement)
        return Response(EngagementTrendOutputSerializer(trend).data)
