from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, status
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response

from maestro.audit.services import Actor
from maestro.decisions.api.serializers import MAX_BATCH, not_an_envelope_error
from maestro.decisions.api.views import AGENT_ERRORS, DecisionListApi, batch_item_errors
from maestro.decisions.auth import AgentApiKeyAuthentication, AgentKeyThrottle, IsAgent
from maestro.intake import services
from maestro.intake.api import serializers as s

INTAKE_DESCRIPTION = f"""Post one live decision, or a batch of up to {MAX_BATCH}.

**Auth**: the engagement's agent API key only (`Authorization: Bearer mk_…` or
`X-Api-Key: mk_…`); the process must belong to that key's engagement.

**One decision** (a JSON object): 201 with the route (`auto`/`human`), the reasons, the playbook
version number and the review task id; 400 with field errors if it is invalid.

**A batch** (`{{"decisions": [ … ]}}`): each decision stands alone. Valid ones are accepted even
when others are not; the answer is 200 with `accepted`, `rejected` and one result per item, in
order, with its `index` and either `status: accepted` and the answer, or `status: rejected` and
its field `errors`. An envelope that is not valid (no list, empty, over {MAX_BATCH}) is a 400
and nothing is stored.

**Idempotent**: a (process, case_ref) posted before answers with the first decision's answer and
`created: false` (200 for a single decision), and nothing is stored again — also for a case ref
repeated inside one batch. The first post's facts win; a retry cannot change them.

**Limits**: `payload` is a JSON object of at most 16 KiB serialized; the body nests at most
{settings.JSON_MAX_DEPTH} levels (`MAESTRO_JSON_MAX_DEPTH`); confidence a share, 0–1, as a
decimal string like every share in the API (`"0.8734"`; a JSON number is taken too; more than 4
decimals are rounded); amount from 0 to 9999999999999.99 (13 digits and 2 decimals, what every
database stores exactly). Numbers are JSON numbers or ASCII decimal text: not `true`, "NaN",
"Infinity" or full-width digits.
"""


def _validated(data) -> dict:
    """One decision's fields, validated; the serializer runs only when the quick check is
    unsure, so its errors stay the answer for anything unusual."""
    validated = s.decision_intake_validated(data)
    if validated is None:
        item = s.DecisionIntakeInputSerializer(data=data)
        item.is_valid(raise_exception=True)
        validated = item.validated_data
    return validated


def _envelope(data: dict) -> list:
    """The batch's items. The envelope serializer checks each item is JSON (it is: it was just
    parsed) by serialising it again; its errors are needed only for an envelope that is wrong."""
    raw = data.get("decisions")
    if data.keys() == {"decisions"} and type(raw) is list and 1 <= len(raw) <= MAX_BATCH:
        return raw
    envelope = s.DecisionBatchInputSerializer(data=data)
    envelope.is_valid(raise_exception=True)
    return envelope.validated_data["decisions"]


def _validated_batch(raw: list) -> tuple[list, list[int], list]:
    """As decisions.api.views.batch_items, with the quick check first for each item."""
    child = s.DecisionIntakeInputSerializer()
    items: list = []
    indexes: list[int] = []
    rows: list = []
    for index, data in enumerate(raw):
        validated = s.decision_intake_validated(data)
        if validated is None:
            try:
                validated = child.run_validation(data)
            except drf_serializers.ValidationError as exc:
                rows.append(
                    {"index": index, "status": "rejected", "errors": batch_item_errors(exc)}
                )
                continue
        items.append(validated)
        indexes.append(index)
        rows.append(None)
    return items, indexes, rows


def _answer(result: services.IntakeResult) -> dict:
    decision = result.decision
    assert decision is not None
    return {
        "id": decision.pk,
        "case_ref": decision.case_ref,
        "route": decision.route,
        "reasons": decision.reasons,
        "playbook_version": result.playbook_version,
        "review_task": result.review_task_id,
        "created": result.created,
    }


class DecisionIntakeApi(DecisionListApi):
    """`/api/decisions/`, one path for two callers: people read the decision record (GET, with
    their session or token: DecisionListApi), the live agent posts decisions (POST, with its
    API key only). Each method takes its own credentials, permission and throttle."""

    intake = False

    def initialize_request(self, request, *args, **kwargs):
        # Decided before DRF asks for the authenticators (the schema generator goes this way too).
        self.intake = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        return [AgentApiKeyAuthentication()] if self.intake else super().get_authenticators()

    def get_permissions(self):
        return [IsAgent()] if self.intake else super().get_permissions()

    def get_throttles(self):
        return [AgentKeyThrottle()] if self.intake else super().get_throttles()

    def permission_denied(self, request, message=None, code=None):
        # Say which credential is expected, not DRF's generic "credentials were not provided".
        if self.intake and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(IsAgent.message, code="api_key_required")
        super().permission_denied(request, message, code)

    @extend_schema(
        operation_id="decisions_intake",
        description=INTAKE_DESCRIPTION,
        request=PolymorphicProxySerializer(
            component_name="DecisionIntakeRequest",
            serializers=[s.DecisionIntakeInputSerializer, s.DecisionBatchInputSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: s.DecisionIntakeOutputSerializer,
            200: PolymorphicProxySerializer(
                component_name="DecisionIntakeAnswer",
                serializers=[s.DecisionIntakeOutputSerializer, s.DecisionBatchOutputSerializer],
                resource_type_field_name=None,
            ),
            **AGENT_ERRORS,
        },
    )
    def post(self, request):
        engagement = request.user.engagement
        is_test = request.user.key.is_test
        agent = Actor.for_key(request.user.key)  # who opens the review tasks, for the audit trail
        data = request.data
        if not isinstance(data, dict):
            raise drf_serializers.ValidationError(not_an_envelope_error())
        if "decisions" not in data:
            (result,) = services.decisions_intake(
                engagement=engagement,
                items=[_validated(data)],
                actor=agent,
                is_test=is_test,
                payloads_checked=True,
            )
            if result.errors:
                raise drf_serializers.ValidationError(result.errors)
            code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
            return Response(_answer(result), status=code)

        items, indexes, rows = _validated_batch(_envelope(data))
        results = services.decisions_intake(
            engagement=engagement, items=items, actor=agent, is_test=is_test, payloads_checked=True
        )
        for index, result in zip(indexes, results, strict=True):
            if result.errors:
                rows[index] = {"index": index, "status": "rejected", "errors": result.errors}
            else:
                rows[index] = {"index": index, "status": "accepted", **_answer(result)}
        rejected = sum(1 for row in rows if row["status"] == "rejected")
        return Response({"accepted": len(rows) - rejected, "rejected": rejected, "results": rows})
