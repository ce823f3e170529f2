"""Skill transfer in the API: plans (list/create per engagement, detail/patch), competencies
(create/patch/delete), readiness (per plan and per engagement, with the trend) and the
consultant's stance steps (list, step down). Scoped through the selectors: another tenant's
rows are 404s; an operator reads only their own plan."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from handoff.api import plan_serializers as s
from handoff.selectors import plans as selectors
from handoff.selectors.readiness import plans_readiness, plans_with_readiness, readiness_of
from handoff.services import plans as services
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import OPERATOR, people_at
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.tenancy.models import User

ALREADY_OUT = OpenApiResponse(
    description="The consultant is already out (code `stance_already_out`); nothing changed."
)


def _operator(engagement: Engagement, user_id: int) -> User:
    # Only the client's operators are named here: any other id reads as unknown, so the
    # answer says nothing about people elsewhere.
    operator = people_at(engagement.client_id, [OPERATOR]).filter(pk=user_id).first()
    if operator is None:
        raise serializers.ValidationError(
            {"operator": ["No active operator of this engagement's client has this id."]}
        )
    return operator


class EngagementPlanListApi(generics.ListAPIView):
    """The engagement's skill-transfer plans with their competencies and readiness (an
    operator sees their own plan only)."""

    serializer_class = s.PlanOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        return plans_with_readiness(
            selectors.plan_list_for_engagement(user=self.request.user, engagement=engagement)
        )

    @extend_schema(
        request=s.PlanCreateInputSerializer,
        responses={201: s.PlanOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, engagement_id: int):
        """Create a plan for an operator of the client (the engagement's consultants only),
        seeded with the four competencies unless `competencies` names others."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.PlanCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["operator"] = _operator(engagement, data["operator"])
        plan = services.plan_create(engagement=engagement, by=request.user, **data)
        plan = selectors.plan_get_for_user(user=request.user, pk=plan.pk)
        return Response(s.PlanOutputSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    @extend_schema(responses={200: s.PlanOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, plan_id: int):
        """One plan: cadence, bars, competencies, readiness."""
        plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
        return Response(s.PlanOutputSerializer(plan).data)

    @extend_schema(
        request=s.PlanUpdateInputSerializer,
        responses={200: s.PlanOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, plan_id: int):
        """Change the plan's cadence or bars (the engagement's consultants only)."""
        plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
        serializer = s.PlanUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.plan_update(plan=plan, by=request.user, **serializer.validated_data)
        plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
        return Response(s.PlanOutputSerializer(plan).data)


class PlanCompetencyCreateApi(APIView):
    @extend_schema(
        request=s.CompetencyCreateInputSerializer,
        responses={201: s.CompetencyOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, plan_id: int):
        """Add a competency at the end of the plan (consultants only)."""
        plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
        serializer = s.CompetencyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        competency = services.competency_add(
            plan=plan, by=request.user, **serializer.validated_data
        )
        return Response(
            s.CompetencyOutputSerializer(competency).data, status=status.HTTP_201_CREATED
        )


class CompetencyDetailApi(APIView):
    @extend_schema(responses={200: s.CompetencyOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, competency_id: int):
        """One competency."""
        competency = selectors.competency_get_for_user(user=request.user, pk=competency_id)
        return Response(s.CompetencyOutputSerializer(competency).data)

    @extend_schema(
        request=s.CompetencyUpdateInputSerializer,
        responses={200: s.CompetencyOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, competency_id: int):
        """Rename, retarget, set the current stage or evidence, or move it (`position`)."""
        competency = selectors.competency_get_for_user(user=request.user, pk=competency_id)
        serializer = s.CompetencyUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        competency = services.competency_update(
            competency=competency, by=request.user, **serializer.validated_data
        )
        return Response(s.CompetencyOutputSerializer(competency).data)

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, competency_id: int):
        """Remove the competency (consultants only)."""
        competency = selectors.competency_get_for_user(user=request.user, pk=competency_id)
        services.competency_remove(competency=competency, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanReadinessApi(APIView):
    @extend_schema(responses={200: s.ReadinessOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, plan_id: int):
        """The plan's readiness now and after each recorded check-in."""
        plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
        return Response(s.ReadinessOutputSerializer(readiness_of(plan)).data)


class EngagementReadinessApi(APIView):
    @extend_schema(
        responses={200: s.EngagementReadinessOutputSerializer, 404: ERROR_RESPONSES[404]}
    )
    def get(self, request, engagement_id: int):
        """Readiness of each plan of the engagement the caller may read, with its trend."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        readiness = plans_readiness(
            selectors.plan_list_for_engagement(user=request.user, engagement=engagement)
        )
        return Response(
            s.EngagementReadinessOutputSerializer(
                {"engagement": engagement.pk, "plans": readiness}
            ).data
        )


class EngagementStanceStepListApi(generics.ListAPIView):
    """The consultant's stance steps on the engagement, oldest first."""

    serializer_class = s.StanceStepOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        return selectors.stance_step_list(engagement=engagement).order_by("at", "pk")

    @extend_schema(
        request=s.StanceStepInputSerializer,
        responses={201: s.StanceStepOutputSerializer, **ERROR_RESPONSES, 409: ALREADY_OUT},
    )
    def post(self, request, engagement_id: int):
        """Step the stance one rung down (consultants only); `to_stance` must be the next
        rung and the phase must allow it (advisory from Handoff, out from Advisory)."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.StanceStepInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = services.stance_step(
            engagement=engagement, by=request.user, **serializer.validated_data
        )
        return Response(s.StanceStepOutputSerializer(step).data, status=status.HTTP_201_CREATED)
