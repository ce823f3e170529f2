from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.mapping import filters, selectors, services
from maestro.mapping.api import serializers as s

IN_USE = OpenApiResponse(description="Still in use (see `code`); nothing changed.")
HAS_DECISIONS = OpenApiResponse(
    description="Has live decisions or an escalation playbook (see `code`); nothing changed."
)


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as {"actual_steps[2].kind": [...]}: the path, not a tree a
    client has to walk to find which of 40 steps is wrong."""
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            if isinstance(key, int):  # a list's errors, keyed by the index of each bad item
                path = f"{prefix}[{key}]"
            elif key == "non_field_errors" and prefix:
                path = prefix
            else:
                path = f"{prefix}.{key}".lstrip(".")
            flat.update(_flatten(value, path))
        return flat
    if all(isinstance(e, str) for e in errors):
        return {prefix or "non_field_errors": list(errors)}
    flat = {}
    for index, item in enumerate(errors):
        if item:
            flat.update(_flatten(item, f"{prefix}[{index}]"))
    return flat


# --- processes ---------------------------------------------------------------------------------


class ProcessListApi(generics.ListAPIView):
    """Process maps of the engagements you can see, with their step and decision point counts."""

    serializer_class = s.ProcessOutputSerializer
    filterset_class = filters.ProcessFilter
    search_fields = ["name", "owner_team"]
    ordering_fields = ["name", "volume_per_day", "created_at"]

    def get_queryset(self):
        return selectors.process_list_for_user(user=self.request.user).order_by("pk")


class ProcessCreateApi(APIView):
    @extend_schema(
        request=s.ProcessCreateInputSerializer,
        responses={201: s.ProcessOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, engagement_id: int):
        """Add a process to the engagement (its consultants only)."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.ProcessCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        process = services.process_create(
            engagement=engagement, by=request.user, **serializer.validated_data
        )
        process = selectors.process_get_for_user(user=request.user, pk=process.pk)
        return Response(s.ProcessOutputSerializer(process).data, status=status.HTTP_201_CREATED)


class ProcessDetailApi(APIView):
    @extend_schema(responses={200: s.ProcessOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, process_id: int):
        """One process with its counts."""
        process = selectors.process_get_for_user(user=request.user, pk=process_id)
        return Response(s.ProcessOutputSerializer(process).data)

    @extend_schema(
        request=s.ProcessUpdateInputSerializer,
        responses={200: s.ProcessOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, process_id: int):
        """Edit the process's name, description, volume, minutes per case or owner team."""
        process = selectors.process_get_for_user(user=request.user, pk=process_id)
        serializer = s.ProcessUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.process_update(process=process, by=request.user, **serializer.validated_data)
        process = selectors.process_get_for_user(user=request.user, pk=process_id)
        return Response(s.ProcessOutputSerializer(process).data)

    @extend_schema(responses={204: None, **ERROR_RESPONSES, 409: HAS_DECISIONS})
    def delete(self, request, process_id: int):
        """Delete the process with both step lists, its decision points and its training
        datasets (its decision types stay with the engagement). 409 while it has live decisions
        (code process_has_decisions) or an escalation playbook (process_has_playbook)."""
        process = selectors.process_get_for_user(user=request.user, pk=process_id)
        services.process_delete(process=process, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProcessSummaryApi(APIView):
    @extend_schema(responses={200: s.ProcessSummaryOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, process_id: int):
        """The gap: documented vs actual step counts, hidden steps, informal approvals, systems
        touched and decision points by autonomy level."""
        process = selectors.process_get_for_user(user=request.user, pk=process_id)
        summary = selectors.process_summary(process=process)
        return Response(s.ProcessSummaryOutputSerializer(summary).data)


class ProcessExportApi(APIView):
    @extend_schema(responses={200: s.ProcessMapSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, process_id: int):
        """The whole map as JSON (process, both step lists, decision points and the decision
        types they use). The import action reads it back to the same map."""
        process = selectors.process_get_for_user(user=request.user, pk=process_id)
        document = selectors.process_map_export(process=process)
        return Response(s.ProcessMapSerializer(document).data)


class ProcessImportApi(APIView):
    @extend_schema(
        request=s.ProcessMapSerializer,
        responses={201: s.ProcessOutputSerializer, **ERROR_RESPONSES},
        description=(
            "Create a process from an exported map. Errors name their path, e.g. "
            "`actual_steps[2].kind`; unknown fields are refused; nothing is written unless the "
            "whole document is valid. Decision types are matched by name: an existing one must "
            "have the same calibration."
        ),
    )
    def post(self, request, engagement_id: int):
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.ProcessMapSerializer(data=request.data)
        if not serializer.is_valid():
            raise serializers.ValidationError(_flatten(serializer.errors))
        process = services.process_map_import(
            engagement=engagement, by=request.user, document=serializer.validated_data
        )
        process = selectors.process_get_for_user(user=request.user, pk=process.pk)
        return Response(s.ProcessOutputSerializer(process).data, status=status.HTTP_201_CREATED)


# --- steps -------------------------------------------------------------------------------------


class StepListApi(generics.ListAPIView):
    """Steps of the maps you can see, in order; filter by process, flow, kind, informal."""

    serializer_class = s.ProcessStepOutputSerializer
    filterset_class = filters.StepFilter
    search_fields = ["name", "actor", "system"]
    ordering_fields: list[str] = []

    def get_queryset(self):
        return selectors.step_list_for_user(user=self.request.user)


class StepCreateApi(APIView):
    @extend_schema(
        request=s.StepCreateInputSerializer,
        responses={201: s.ProcessStepOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, process_id: int):
        """Append a step to the documented or actual list of the process."""
        process = selectors.process_get_for_user(user=request.user, pk=process_id)
        serializer = s.StepCreateInputSerializer(data=request.data, process=process)
        serializer.is_valid(raise_exception=True)
        step = services.step_create(process=process, by=request.user, **serializer.validated_data)
        step = selectors.step_get_for_user(user=request.user, pk=step.pk)
        return Response(s.ProcessStepOutputSerializer(step).data, status=status.HTTP_201_CREATED)


class StepReorderApi(APIView):
    @extend_schema(
        request=s.StepReorderInputSerializer,
        responses={
            200: s.ProcessStepOutputSerializer(many=True),
            **ERROR_RESPONSES,
            409: OpenApiResponse(
                description="The list does not name every step of the flow exactly once "
                "(code reorder_mismatch); nothing changed."
            ),
        },
        description="Put one flow's steps in a new order; orders become 1..n.",
    )
    def post(self, request, process_id: int):
        process = selectors.process_get_for_user(user=request.user, pk=process_id)
        serializer = s.StepReorderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.step_reorder(process=process, by=request.user, **serializer.validated_data)
        steps = selectors.step_list_for_user(user=request.user).filter(
            process=process, flow=serializer.validated_data["flow"]
        )
        return Response(s.ProcessStepOutputSerializer(steps, many=True).data)


class StepDetailApi(APIView):
    @extend_schema(responses={200: s.ProcessStepOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, step_id: int):
        """One step."""
        step = selectors.step_get_for_user(user=request.user, pk=step_id)
        return Response(s.ProcessStepOutputSerializer(step).data)

    @extend_schema(
        request=s.StepUpdateInputSerializer,
        responses={200: s.ProcessStepOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, step_id: int):
        """Edit a step. Its flow is fixed; move it with the reorder action."""
        step = selectors.step_get_for_user(user=request.user, pk=step_id)
        serializer = s.StepUpdateInputSerializer(data=request.data, process=step.process)
        serializer.is_valid(raise_exception=True)
        services.step_update(step=step, by=request.user, **serializer.validated_data)
        step = selectors.step_get_for_user(user=request.user, pk=step_id)
        return Response(s.ProcessStepOutputSerializer(step).data)

    @extend_schema(responses={204: None, **ERROR_RESPONSES, 409: IN_USE})
    def delete(self, request, step_id: int):
        """Delete a step; the rest of its list closes the gap. A step with decision points is
        refused (409, code step_has_decision_points)."""
        step = selectors.step_get_for_user(user=request.user, pk=step_id)
        services.step_delete(step=step, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- decision types ----------------------------------------------------------------------------


class DecisionTypeListApi(generics.ListAPIView):
    """Decision types of the engagements you can see, with their risk calibration."""

    serializer_class = s.DecisionTypeOutputSerializer
    filterset_class = filters.DecisionTypeFilter
    search_fields = ["name"]
    ordering_fields = ["name", "exposure_amount"]

    def get_queryset(self):
        return selectors.decision_type_list_for_user(user=self.request.user).order_by("pk")


class DecisionTypeCreateApi(APIView):
    @extend_schema(
        request=s.DecisionTypeCreateInputSerializer,
        responses={201: s.DecisionTypeOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, engagement_id: int):
        """Add a decision type with its autonomy level and risk calibration."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.DecisionTypeCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision_type = services.decision_type_create(
            engagement=engagement, by=request.user, **serializer.validated_data
        )
        decision_type = selectors.decision_type_get_for_user(user=request.user, pk=decision_type.pk)
        return Response(
            s.DecisionTypeOutputSerializer(decision_type).data, status=status.HTTP_201_CREATED
        )


class DecisionTypeDetailApi(APIView):
    @extend_schema(responses={200: s.DecisionTypeOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, decision_type_id: int):
        """One decision type."""
        decision_type = selectors.decision_type_get_for_user(user=request.user, pk=decision_type_id)
        return Response(s.DecisionTypeOutputSerializer(decision_type).data)

    @extend_schema(
        request=s.DecisionTypeUpdateInputSerializer,
        responses={200: s.DecisionTypeOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, decision_type_id: int):
        """Recalibrate or rename a decision type."""
        decision_type = selectors.decision_type_get_for_user(user=request.user, pk=decision_type_id)
        serializer = s.DecisionTypeUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.decision_type_update(
            decision_type=decision_type, by=request.user, **serializer.validated_data
        )
        decision_type = selectors.decision_type_get_for_user(user=request.user, pk=decision_type_id)
        return Response(s.DecisionTypeOutputSerializer(decision_type).data)

    @extend_schema(responses={204: None, **ERROR_RESPONSES, 409: IN_USE})
    def delete(self, request, decision_type_id: int):
        """Delete a decision type no decision point uses (else 409, code decision_type_in_use)
        and no live decision has (else 409, code decision_type_has_decisions)."""
        decision_type = selectors.decision_type_get_for_user(user=request.user, pk=decision_type_id)
        services.decision_type_delete(decision_type=decision_type, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- decision points ---------------------------------------------------------------------------


class DecisionPointListApi(generics.ListAPIView):
    """Decision points of the maps you can see; filter by process, step, type or autonomy."""

    serializer_class = s.DecisionPointOutputSerializer
    filterset_class = filters.DecisionPointFilter
    ordering_fields: list[str] = []

    def get_queryset(self):
        return selectors.decision_point_list_for_user(user=self.request.user)


class DecisionPointCreateApi(APIView):
    @extend_schema(
        request=s.DecisionPointCreateInputSerializer,
        responses={201: s.DecisionPointOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, step_id: int):
        """Mark a step of the actual map as a decision point of a decision type."""
        step = selectors.step_get_for_user(user=request.user, pk=step_id)
        serializer = s.DecisionPointCreateInputSerializer(
            data=request.data, engagement_id=step.process.engagement_id
        )
        serializer.is_valid(raise_exception=True)
        point = services.decision_point_create(
            step=step, by=request.user, **serializer.validated_data
        )
        point = selectors.decision_point_get_for_user(user=request.user, pk=point.pk)
        return Response(s.DecisionPointOutputSerializer(point).data, status=status.HTTP_201_CREATED)


class DecisionPointDetailApi(APIView):
    @extend_schema(responses={200: s.DecisionPointOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, decision_point_id: int):
        """One decision point."""
        point = selectors.decision_point_get_for_user(user=request.user, pk=decision_point_id)
        return Response(s.DecisionPointOutputSerializer(point).data)

    @extend_schema(
        request=s.DecisionPointUpdateInputSerializer,
        responses={200: s.DecisionPointOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, decision_point_id: int):
        """Change the decision type, inputs or outcomes."""
        point = selectors.decision_point_get_for_user(user=request.user, pk=decision_point_id)
        serializer = s.DecisionPointUpdateInputSerializer(
            data=request.data, engagement_id=point.step.process.engagement_id
        )
        serializer.is_valid(raise_exception=True)
        services.decision_point_update(point=point, by=request.user, **serializer.validated_data)
        point = selectors.decision_point_get_for_user(user=request.user, pk=decision_point_id)
        return Response(s.DecisionPointOutputSerializer(point).data)

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, decision_point_id: int):
        """Remove a decision point (the step stays)."""
        point = selectors.decision_point_get_for_user(user=request.user, pk=decision_point_id)
        services.decision_point_delete(point=point, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
