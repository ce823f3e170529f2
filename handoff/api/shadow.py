"""Shadow reviews and evidence in the API: a plan's shadow cases (blind fields hidden), the
consultant's answer, the plan's shadow share, its agreement (overall, per competency, per week)
and the operator's weekly evidence. Scoped through the selectors: another tenant's rows are
404s. Shares are ShareField strings ("0.2000"); kappa is a decimal string with 3 places."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from handoff.models import ShadowCase
from handoff.selectors import evidence as evidence_selectors
from handoff.selectors import shadow as selectors
from handoff.services import shadow as services
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.lib.serializers import ShareField

ANSWER_CONFLICT = OpenApiResponse(
    description="Already answered (code `shadow_already_answered`, naming who, never what), or "
    "the task was cancelled (`shadow_task_cancelled`); nothing changed."
)


# --- Serializers ------------------------------------------------------------------------------


class ShadowCaseOutputSerializer(serializers.ModelSerializer):
    """A shadow case as the viewer may see it: `consultant_outcome` is null until both have
    answered (except for its author); `operator_outcome` is null for all but the plan's
    operator until the consultant has answered."""

    task = serializers.IntegerField(source="task_id")
    decision = serializers.IntegerField(source="task.decision_id", allow_null=True)
    title = serializers.CharField(source="task.title")
    competency = serializers.IntegerField(source="competency_id", allow_null=True)
    competency_name = serializers.SerializerMethodField()
    consultant = serializers.SerializerMethodField()
    consultant_answered = serializers.SerializerMethodField()
    consultant_outcome = serializers.SerializerMethodField()
    consultant_answered_at = serializers.SerializerMethodField()
    operator_answered = serializers.SerializerMethodField()
    operator_outcome = serializers.SerializerMethodField()
    operator_answered_at = serializers.SerializerMethodField()
    complete = serializers.BooleanField()
    agreed = serializers.SerializerMethodField()

    class Meta:
        model = ShadowCase
        fields = [
            "id",
            "plan",
            "task",
            "decision",
            "title",
            "competency",
            "competency_name",
            "consultant",
            "consultant_answered",
            "consultant_outcome",
            "consultant_answered_at",
            "operator_answered",
            "operator_outcome",
            "operator_answered_at",
            "complete",
            "agreed",
            "created_at",
        ]

    def _view(self, case) -> selectors.ShadowCaseView:
        return selectors.shadow_case_view(
            case=case, user=self.context["request"].user, answering=False
        )

    def get_competency_name(self, case) -> str | None:
        return case.competency.name if case.competency else None

    def get_consultant(self, case) -> str | None:
        return str(case.consultant) if case.consultant_id else None

    def get_consultant_answered(self, case) -> bool:
        return case.consultant_answered_at is not None

    def get_consultant_outcome(self, case) -> str | None:
        return case.consultant_outcome if self._view(case).consultant_outcome_visible else None

    def get_consultant_answered_at(self, case) -> str | None:
        at = case.consultant_answered_at
        return serializers.DateTimeField().to_representation(at) if at else None

    def get_operator_answered(self, case) -> bool:
        return case.operator_answered_at is not None

    def get_operator_outcome(self, case) -> str | None:
        view = self._view(case)
        if not (view.operator_outcome_visible and case.operator_answered_at):
            return None
        return case.operator_outcome

    def get_operator_answered_at(self, case) -> str | None:
        at = case.operator_answered_at
        return serializers.DateTimeField().to_representation(at) if at else None

    def get_agreed(self, case) -> bool | None:
        return self._view(case).agreed


class ShadowAnswerInputSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=200, help_text="Your outcome for the decision.")


class ShadowShareInputSerializer(serializers.Serializer):
    shadow_share = ShareField(
        help_text="Share of the operator's escalated decisions put into shadow mode during handoff."
    )


class ShadowShareOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    engagement = serializers.IntegerField(source="engagement_id")
    operator = serializers.IntegerField(source="operator_id")
    shadow_share = ShareField()
    kappa_bar = serializers.DecimalField(max_digits=4, decimal_places=3)
    shadow_cases_min = serializers.IntegerField()


class AgreementSerializer(serializers.Serializer):
    cases = serializers.IntegerField(help_text="Completed shadow cases (both answered).")
    agreed = serializers.IntegerField(help_text="Of those, where both gave the same outcome.")
    agreement = ShareField(allow_null=True, help_text="agreed / cases; null without cases.")
    kappa = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        allow_null=True,
        help_text="Cohen's kappa, 3 places; null without cases, 1 when both always gave the "
        "same single outcome.",
    )
    band = serializers.CharField(
        help_text='Landis & Koch: "poor", "slight", "fair", "moderate", "substantial", '
        '"almost perfect"; "" without cases.'
    )


class WeekAgreementSerializer(AgreementSerializer):
    week = serializers.DateField(help_text="Monday of the client-local ISO week.")


class CompetencyAgreementSerializer(serializers.Serializer):
    competency = serializers.IntegerField(allow_null=True, help_text="null: no competency.")
    name = serializers.CharField()
    overall = AgreementSerializer()
    weeks = WeekAgreementSerializer(many=True)


class PlanAgreementSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    overall = AgreementSerializer()
    competencies = CompetencyAgreementSerializer(many=True)
    weeks = WeekAgreementSerializer(many=True)


class WeekEvidenceSerializer(serializers.Serializer):
    week = serializers.DateField(source="monday", help_text="Monday of the client-local ISO week.")
    resolved = serializers.IntegerField(help_text="Tasks assigned to the operator resolved.")
    on_time = serializers.IntegerField(help_text="Of those, resolved by their due time.")
    on_time_rate = ShareField(allow_null=True, help_text="on_time / resolved.")
    edge_case_reviews = serializers.IntegerField()
    runbook_runs = serializers.IntegerField()
    drift_investigations = serializers.IntegerField()


class PlanEvidenceSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    time_zone = serializers.CharField()
    weeks = WeekEvidenceSerializer(many=True)


class EvidenceQuerySerializer(serializers.Serializer):
    weeks = serializers.IntegerField(min_value=1, max_value=52, default=8, required=False)


def _agreement(a: evidence_selectors.Agreement) -> dict:
    return {
        "cases": a.cases,
        "agreed": a.agreed,
        "agreement": a.agreement,
        "kappa": a.kappa,
        "band": a.band,
    }


def _weeks(weeks) -> list[dict]:
    return [{"week": week, **_agreement(a)} for week, a in weeks]


# --- Views ------------------------------------------------------------------------------------


class PlanShadowCaseListApi(generics.ListAPIView):
    """The plan's shadow cases, newest first. Blind: see the fields' rules."""

    serializer_class = ShadowCaseOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        plan = selectors.plan_get_for_user(user=self.request.user, pk=self.kwargs["plan_id"])
        # The rows' blindness rules read the plan's operator and the task's engagement.
        return selectors.shadow_cases_for_plan(plan=plan).select_related("plan", "task__engagement")

    @extend_schema(responses={200: ShadowCaseOutputSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ShadowCaseDetailApi(APIView):
    @extend_schema(responses={200: ShadowCaseOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, shadow_case_id: int):
        """One shadow case, as the viewer may see it."""
        case = selectors.shadow_case_get_for_user(user=request.user, pk=shadow_case_id)
        return Response(ShadowCaseOutputSerializer(case, context={"request": request}).data)


class ShadowCaseAnswerApi(APIView):
    @extend_schema(
        request=ShadowAnswerInputSerializer,
        responses={200: ShadowCaseOutputSerializer, **ERROR_RESPONSES, 409: ANSWER_CONFLICT},
    )
    def post(self, request, shadow_case_id: int):
        """The consultant's blind answer (the engagement's consultants only). Once."""
        case = selectors.shadow_case_get_for_user(user=request.user, pk=shadow_case_id)
        serializer = ShadowAnswerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.shadow_case_answer(case=case, by=request.user, **serializer.validated_data)
        return Response(ShadowCaseOutputSerializer(case, context={"request": request}).data)


class PlanShadowShareApi(APIView):
    @extend_schema(
        request=ShadowShareInputSerializer,
        responses={200: ShadowShareOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, plan_id: int):
        """Set the plan's shadow share (the engagement's consultants only)."""
        plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
        serializer = ShadowShareInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_shadow_share_set(
            plan=plan, share=serializer.validated_data["shadow_share"], by=request.user
        )
        return Response(ShadowShareOutputSerializer(plan).data)


class PlanAgreementApi(APIView):
    @extend_schema(responses={200: PlanAgreementSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, plan_id: int):
        """Agreement between consultant and operator on the plan's completed shadow cases:
        overall, per competency (and its weeks), per client-local ISO week."""
        plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
        breakdown = evidence_selectors.plan_agreement_breakdown(plan)
        body = {
            "plan": plan.pk,
            "overall": _agreement(breakdown.overall),
            "competencies": [
                {
                    "competency": row.competency.pk if row.competency else None,
                    "name": row.name,
                    "overall": _agreement(row.overall),
                    "weeks": _weeks(row.weeks.items()),
                }
                for row in breakdown.competencies
            ],
            "weeks": _weeks(breakdown.weeks),
        }
        return Response(PlanAgreementSerializer(body).data)


class PlanEvidenceApi(APIView):
    @extend_schema(
        parameters=[EvidenceQuerySerializer],
        responses={200: PlanEvidenceSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, plan_id: int):
        """The operator's work per client-local ISO week, the current week last: on-time rate
        of their review tasks, edge-case reviews, runbook runs, drift investigations."""
        plan = selectors.plan_get_for_user(user=request.user, pk=plan_id)
        query = EvidenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        work = evidence_selectors.plan_evidence(plan, query.validated_data.get("weeks", 8))
        body = {
            "plan": plan.pk,
            "time_zone": plan.engagement.client.time_zone,
            "weeks": work.weeks,
        }
        return Response(PlanEvidenceSerializer(body).data)
