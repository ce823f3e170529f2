"""Drift alerts in the API: rules (list/create per engagement, detail/patch/delete), alerts
(episodes, filterable) and their acknowledgement, silences (list/create, lift). Scoped through
the selectors: another tenant's rows are 404s."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.engagements.models import Engagement
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.mapping.models import Process
from maestro.monitoring.api import alert_serializers as s
from maestro.monitoring.models import AlertRule
from maestro.monitoring.selectors import alerts as selectors
from maestro.monitoring.services import alert_rules as services

ACKNOWLEDGE_CONFLICT = OpenApiResponse(
    description="Already acknowledged (code `alert_already_acknowledged`, naming who), or "
    "resolved (`alert_resolved`); nothing changed."
)
LIFT_CONFLICT = OpenApiResponse(
    description="Already lifted (`silence_already_lifted`) or ended (`silence_ended`)."
)


def _process(engagement: Engagement, process_id: int | None, field: str = "process"):
    if process_id is None:
        return None
    process = Process.objects.filter(engagement=engagement, pk=process_id).first()
    if process is None:
        raise serializers.ValidationError({field: ["No process with this id in this engagement."]})
    return process


def _rule(engagement: Engagement, rule_id: int | None):
    if rule_id is None:
        return None
    rule = AlertRule.objects.filter(engagement=engagement, pk=rule_id).first()
    if rule is None:
        raise serializers.ValidationError(
            {"rule": ["No alert rule with this id in this engagement."]}
        )
    return rule


class EngagementAlertRuleListApi(generics.ListAPIView):
    """The engagement's drift alert rules. Thresholds are shares 0–1."""

    serializer_class = s.AlertRuleOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        return selectors.alert_rule_list_for_engagement(engagement=engagement).order_by("pk")

    @extend_schema(
        request=s.AlertRuleCreateInputSerializer,
        responses={201: s.AlertRuleOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, engagement_id: int):
        """Add a rule (the engagement's consultants only); one per process, category and
        kind."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.AlertRuleCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["process"] = _process(engagement, data["process"])
        rule = services.alert_rule_create(engagement=engagement, by=request.user, **data)
        return Response(s.AlertRuleOutputSerializer(rule).data, status=status.HTTP_201_CREATED)


class AlertRuleDetailApi(APIView):
    @extend_schema(responses={200: s.AlertRuleOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, rule_id: int):
        """One drift alert rule."""
        rule = selectors.alert_rule_get_for_user(user=request.user, pk=rule_id)
        return Response(s.AlertRuleOutputSerializer(rule).data)

    @extend_schema(
        request=s.AlertRuleUpdateInputSerializer,
        responses={200: s.AlertRuleOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, rule_id: int):
        """Change the rule; `enabled: false` disables it (its open alert resolves)."""
        rule = selectors.alert_rule_get_for_user(user=request.user, pk=rule_id)
        serializer = s.AlertRuleUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "process" in data:
            data["process"] = _process(rule.engagement, data["process"])
        rule = services.alert_rule_update(rule=rule, by=request.user, **data)
        return Response(s.AlertRuleOutputSerializer(rule).data)

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, rule_id: int):
        """Delete the rule and its alerts (their investigation tasks stay)."""
        rule = selectors.alert_rule_get_for_user(user=request.user, pk=rule_id)
        services.alert_rule_delete(rule=rule, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EngagementAlertListApi(generics.ListAPIView):
    """The engagement's alerts (episodes): firing first, then pending, then the latest
    resolved. Filter by `state`, `process`, `kind` (the rule's) and `silenced`."""

    serializer_class = s.AlertEpisodeOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        query = s.AlertEpisodeFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.alert_episode_list_for_engagement(
            engagement=engagement,
            state=data.get("state"),
            process_id=data.get("process"),
            kind=data.get("kind"),
            silenced={"true": True, "false": False}.get(data.get("silenced", "")),
        )

    @extend_schema(
        parameters=[s.AlertEpisodeFilterSerializer],
        responses={200: s.AlertEpisodeOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AlertDetailApi(APIView):
    @extend_schema(responses={200: s.AlertEpisodeOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, episode_id: int):
        """One alert (episode): state, value, since, silenced, acknowledgement."""
        episode = selectors.alert_episode_get_for_user(user=request.user, pk=episode_id)
        return Response(s.AlertEpisodeOutputSerializer(episode).data)


class AlertAcknowledgeApi(APIView):
    @extend_schema(
        request=s.AlertAcknowledgeInputSerializer,
        responses={
            200: s.AlertEpisodeOutputSerializer,
            **ERROR_RESPONSES,
            409: ACKNOWLEDGE_CONFLICT,
        },
    )
    def post(self, request, episode_id: int):
        """Acknowledge the alert (operators and consultants): who, when, a note. Once."""
        episode = selectors.alert_episode_get_for_user(user=request.user, pk=episode_id)
        serializer = s.AlertAcknowledgeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        episode = services.alert_episode_acknowledge(
            episode=episode, by=request.user, **serializer.validated_data
        )
        return Response(s.AlertEpisodeOutputSerializer(episode).data)


class EngagementSilenceListApi(generics.ListAPIView):
    """The engagement's silences, latest end first."""

    serializer_class = s.SilenceOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        return selectors.silence_list_for_engagement(engagement=engagement)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        request=s.SilenceCreateInputSerializer,
        responses={201: s.SilenceOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, engagement_id: int):
        """Silence a rule, or every rule of a process, until `ends_at` (consultants only)."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.SilenceCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["process"] = _process(engagement, data["process"])
        data["rule"] = _rule(engagement, data.get("rule"))
        silence = services.silence_create(engagement=engagement, by=request.user, **data)
        return Response(
            s.SilenceOutputSerializer(silence, context={"now": timezone.now()}).data,
            status=status.HTTP_201_CREATED,
        )


class SilenceLiftApi(APIView):
    @extend_schema(
        request=None,
        responses={200: s.SilenceOutputSerializer, **ERROR_RESPONSES, 409: LIFT_CONFLICT},
    )
    def post(self, request, silence_id: int):
        """End the silence now (consultants only)."""
        silence = selectors.silence_get_for_user(user=request.user, pk=silence_id)
        silence = services.silence_lift(silence=silence, by=request.user)
        return Response(s.SilenceOutputSerializer(silence, context={"now": timezone.now()}).data)
