from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.api import CursorPagination
from maestro.decisions import selectors, services
from maestro.decisions.api import serializers as s
from maestro.decisions.auth import AgentApiKeyAuthentication, AgentKeyThrottle, IsAgent
from maestro.decisions.filters import DecisionFilter
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.openapi import ERROR_RESPONSES

AGENT_ERRORS = {
    400: OpenApiResponse(description="Invalid input: field errors, or {detail, code}."),
    401: OpenApiResponse(description="No API key, an unknown one, or a revoked one."),
    429: OpenApiResponse(
        description="Over the key's call rate (`throttled`), or too many wrong keys from this "
        "address (`too_many_bad_credentials`); wait the seconds in Retry-After."
    ),
}


def batch_item_errors(exc: drf_serializers.ValidationError) -> dict:
    detail = exc.detail
    return detail if isinstance(detail, dict) else {"non_field_errors": detail}


def batch_items(child: drf_serializers.Serializer, raw: list) -> tuple[list, list, list]:
    """Validate each item of a batch on its own: the valid items, their indexes, and one row
    per item — the rejected ones filled in with their errors, the others None for the caller."""
    items: list = []
    indexes: list[int] = []
    rows: list = []
    for index, item in enumerate(raw):
        try:
            items.append(child.run_validation(item))
            indexes.append(index)
            rows.append(None)
        except drf_serializers.ValidationError as exc:
            rows.append({"index": index, "status": "rejected", "errors": batch_item_errors(exc)})
    return items, indexes, rows


class AgentApiView(APIView):
    authentication_classes = [AgentApiKeyAuthentication]
    permission_classes = [IsAgent]
    throttle_classes = [AgentKeyThrottle]

    def permission_denied(self, request, message=None, code=None):
        # Say which credential is expected, not DRF's generic "credentials were not provided".
        if not request.successful_authenticator:
            raise exceptions.NotAuthenticated(IsAgent.message, code="api_key_required")
        super().permission_denied(request, message, code)


def _feedback_row(index: int, result: services.FeedbackResult) -> dict:
    if result.error is not None:
        return {
            "index": index,
            "status": "rejected",
            "code": result.error.code,
            "detail": result.error.message,
        }
    decision = result.decision
    assert decision is not None
    return {
        "index": index,
        "status": "recorded",
        "id": decision.pk,
        "case_ref": decision.case_ref,
        "final_outcome": decision.final_outcome,
        "overridden": decision.overridden,
    }


class DecisionOutcomeFeedbackApi(AgentApiView):
    @extend_schema(
        operation_id="decisions_outcomes_feedback",
        description=(
            "Report the true outcome of decisions, learned after the fact, so their accuracy "
            'can be scored: one `{process, case_ref, outcome}` or `{"outcomes": [ … ]}`. '
            "For auto-routed decisions (a human-routed one gets its outcome from its review "
            "task: while that is open the answer is 409 `decision_under_review`). The same "
            "outcome again is a no-op; another one after it is 409 `outcome_already_recorded`. "
            "A batch answers 200 with one result per item (`recorded` or `rejected` with "
            "its `code`)."
        ),
        request=PolymorphicProxySerializer(
            component_name="OutcomeFeedbackRequest",
            serializers=[s.OutcomeFeedbackInputSerializer, s.OutcomeFeedbackBatchInputSerializer],
            resource_type_field_name=None,
        ),
        responses={
            200: PolymorphicProxySerializer(
                component_name="OutcomeFeedbackAnswer",
                serializers=[
                    s.OutcomeFeedbackOutputSerializer,
                    s.OutcomeFeedbackBatchOutputSerializer,
                ],
                resource_type_field_name=None,
            ),
            404: OpenApiResponse(description="No such decision in the key's engagement."),
            409: OpenApiResponse(description="Under review, or another outcome recorded."),
            **AGENT_ERRORS,
        },
    )
    def post(self, request):
        engagement = request.user.engagement
        is_test = request.user.key.is_test
        data = request.data
        if not isinstance(data, dict):
            raise drf_serializers.ValidationError(s.not_an_envelope_error())
        if "outcomes" not in data:
            item = s.OutcomeFeedbackInputSerializer(data=data)
            item.is_valid(raise_exception=True)
            (result,) = services.decision_outcomes_feedback(
                engagement=engagement, items=[item.validated_data], is_test=is_test
            )
            if result.error is not None:
                raise result.error
            row = _feedback_row(0, result)
            row.pop("index")
            return Response(row)

        envelope = s.OutcomeFeedbackBatchInputSerializer(data=data)
        envelope.is_valid(raise_exception=True)
        items, indexes, rows = batch_items(
            s.OutcomeFeedbackInputSerializer(), envelope.validated_data["outcomes"]
        )
        results = services.decision_outcomes_feedback(
            engagement=engagement, items=items, is_test=is_test
        )
        for index, result in zip(indexes, results, strict=True):
            rows[index] = _feedback_row(index, result)
        rejected = sum(1 for row in rows if row["status"] == "rejected")
        return Response({"recorded": len(rows) - rejected, "rejected": rejected, "results": rows})


# --- the decision record (people) ---------------------------------------------------------------


class DecisionRecordPagination(CursorPagination):
    # The cursor needs a unique key: a batch's decisions share one received_at, and a cursor
    # on it repeated and skipped rows. Ids grow in the order decisions are stored.
    ordering = ("-pk",)


RECORD_DESCRIPTION = """The decision record: every decision of the engagements you may see
(consultants of the engagement; the client's operators and sponsors), live and test, newest
first, with its reasons, playbook version, review task and confirmed outcome. Read-only; agent
API keys cannot read it.

Filters combine: `engagement`, `process`, `route`, `reason` (a reason code), `received_after`
and `received_before` (days, both included), `overridden`, `has_outcome`, `is_test`,
`case_ref`. Booleans are `true` or `false`; anything else is a 400 naming the filter.

**Cursor pagination** (the record grows by thousands a day): follow `next` and `previous`;
`page_size` from 1 to 500 (default 50). There is no total count and no page number: a page costs
the same anywhere in the record, and decisions arriving meanwhile are neither repeated nor
skipped. A cursor that was not made here is a 404."""


class DecisionListApi(generics.ListAPIView):
    serializer_class = s.DecisionOutputSerializer
    filterset_class = DecisionFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = DecisionRecordPagination

    def get_queryset(self):
        return selectors.decision_record_for_user(user=self.request.user)

    @extend_schema(
        operation_id="decisions_list",
        description=RECORD_DESCRIPTION,
        responses={
            200: s.DecisionOutputSerializer(many=True),
            404: OpenApiResponse(description="The cursor was not made here (`not_found`)."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DecisionDetailApi(APIView):
    @extend_schema(
        operation_id="decisions_retrieve",
        responses={200: s.DecisionDetailOutputSerializer, 404: ERROR_RESPONSES[404]},
    )
    def get(self, request, decision_id: int):
        """One decision of the record with the agent's payload. Another client's decision, or
        one of an engagement you do not work on, is a 404."""
        decision = get_object_or_404(
            selectors.decision_record_for_user(user=request.user), pk=decision_id
        )
        return Response(s.DecisionDetailOutputSerializer(decision).data)


# --- API keys (consultants) --------------------------------------------------------------------


class AgentApiKeyListCreateApi(APIView):
    @extend_schema(responses={200: s.AgentApiKeyOutputSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, engagement_id: int):
        """The engagement's agent API keys (prefix only; the secret is never shown again)."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        keys = selectors.agent_api_key_list(engagement=engagement, user=request.user)
        return Response(s.AgentApiKeyOutputSerializer(keys, many=True).data)

    @extend_schema(
        request=s.AgentApiKeyCreateInputSerializer,
        responses={201: s.AgentApiKeyCreatedOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, engagement_id: int):
        """Create a key for the engagement's agent (its consultants only). The answer carries
        the secret, once."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.AgentApiKeyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, secret = services.agent_api_key_create(
            engagement=engagement, by=request.user, **serializer.validated_data
        )
        data = s.AgentApiKeyCreatedOutputSerializer(key, context={"secret": secret}).data
        return Response(data, status=status.HTTP_201_CREATED)


class AgentApiKeyRevokeApi(APIView):
    @extend_schema(request=None, responses={200: s.AgentApiKeyOutputSerializer, **ERROR_RESPONSES})
    def post(self, request, key_id: int):
        """Revoke a key (its engagement's consultants only); the agent's next call gets 401."""
        key = get_object_or_404(selectors.agent_api_key_visible_to(user=request.user), pk=key_id)
        key = services.agent_api_key_revoke(key=key, by=request.user)
        return Response(s.AgentApiKeyOutputSerializer(key).data)


class TestDecisionsRemoveApi(APIView):
    @extend_schema(
        operation_id="engagements_test_decisions_remove",
        request=None,
        responses={200: s.RemovedTestDecisionsOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, engagement_id: int):
        """Delete every test decision of the engagement (posted with a test key) and their
        review tasks, in one transaction; live decisions are never touched. Its consultants
        only. Answers how many were removed (0 when there were none)."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        removed = services.decisions_remove_test(engagement=engagement, by=request.user)
        return Response(s.RemovedTestDecisionsOutputSerializer(removed).data)


class DeploymentMetricsApi(APIView):
    @extend_schema(
        responses={200: s.DeploymentMetricsOutputSerializer, 404: ERROR_RESPONSES[404]},
    )
    def get(self, request, engagement_id: int):
        """Live-decision metrics of the engagement (volume, escalation, override and accuracy
        rates, open and overdue review tasks) and the economics per process. Rates are shares
        (fractions as 4-place decimal strings, "0.1250"), null when there is nothing to
        measure yet. Test decisions (a test key's) never count."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        rows = selectors.process_economics(engagement=engagement)
        data = selectors.deployment_metrics(engagement=engagement) | {
            "economics": rows,
            "economics_total": selectors.economics_total(rows),
        }
        return Response(s.DeploymentMetricsOutputSerializer(data).data)
