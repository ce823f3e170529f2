from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.engagements import selectors, services
from maestro.engagements.api import serializers as s
from maestro.engagements.filters import EngagementFilter
from maestro.engagements.scoping import clients_for
from maestro.lib.openapi import ERROR_RESPONSES


class ClientListApi(generics.ListAPIView):
    """Clients the caller belongs to (staff: all)."""

    serializer_class = s.ClientOutputSerializer
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return clients_for(self.request.user)

    @extend_schema(
        request=s.ClientCreateInputSerializer,
        responses={201: s.ClientOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        """Add a client (consultants and staff); the creator becomes its consultant."""
        serializer = s.ClientCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = services.client_create(**serializer.validated_data, by=request.user)
        return Response(s.ClientOutputSerializer(client).data, status=status.HTTP_201_CREATED)


class ClientDetailApi(generics.RetrieveAPIView):
    """One client you belong to; any other answers 404."""

    serializer_class = s.ClientOutputSerializer
    lookup_url_kwarg = "client_id"

    def get_queryset(self):
        return clients_for(self.request.user)

    @extend_schema(
        request=s.ClientUpdateInputSerializer,
        responses={200: s.ClientOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, client_id: int):
        """Change the client's time zone, its paper size (the handoff PDF's), or both (its
        consultants and staff; others 403)."""
        client = self.get_object()
        serializer = s.ClientUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = services.client_settings_update(
            client=client, **serializer.validated_data, by=request.user
        )
        return Response(s.ClientOutputSerializer(client).data)


class EngagementListApi(generics.ListAPIView):
    """Engagements the caller may see, filterable by client, phase, stance and lead."""

    serializer_class = s.EngagementOutputSerializer
    filterset_class = EngagementFilter
    search_fields = ["name", "client__name"]
    ordering_fields = ["name", "created_at", "phase_changed_at", "target_accuracy"]

    def get_queryset(self):
        return selectors.engagement_list_for_user(user=self.request.user)

    @extend_schema(
        request=s.EngagementCreateInputSerializer,
        responses={201: s.EngagementOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        """Open an engagement for a client (its consultants only). It starts in `mapping`."""
        serializer = s.EngagementCreateInputSerializer(
            data=request.data, clients=clients_for(request.user)
        )
        serializer.is_valid(raise_exception=True)
        engagement = services.engagement_create(**serializer.validated_data, by=request.user)
        engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement.pk)
        return Response(
            s.EngagementOutputSerializer(engagement).data, status=status.HTTP_201_CREATED
        )


class EngagementDetailApi(APIView):
    @extend_schema(responses={200: s.EngagementOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, engagement_id: int):
        """One engagement with its client, team, target, phase and stance."""
        engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
        return Response(s.EngagementOutputSerializer(engagement).data)

    @extend_schema(
        request=s.EngagementUpdateInputSerializer,
        responses={200: s.EngagementOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request, engagement_id: int):
        """Edit details. The phase cannot be set here: use the transition action."""
        engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.EngagementUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.engagement_update(
            engagement=engagement, by=request.user, **serializer.validated_data
        )
        engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
        return Response(s.EngagementOutputSerializer(engagement).data)


class EngagementGatesApi(APIView):
    @extend_schema(responses={200: s.GateOutputSerializer(many=True), 404: ERROR_RESPONSES[404]})
    def get(self, request, engagement_id: int):
        """The legal moves from the current phase and what each gate says right now."""
        engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
        moves = selectors.engagement_moves(engagement=engagement)
        return Response(s.GateOutputSerializer(moves, many=True).data)


class EngagementTransitionApi(APIView):
    @extend_schema(
        request=s.TransitionInputSerializer,
        responses={
            201: s.TransitionOutputSerializer,
            **ERROR_RESPONSES,
            409: OpenApiResponse(description="The phase changed meanwhile (code phase_changed)."),
        },
        description=(
            "Move one phase forward through its gate, or one phase back (with a note). A failing "
            "gate answers 400 with code `gate_failed` and the checks under `gates`; send "
            "`override: true` with an `override_reason` to move anyway (kept on the record)."
        ),
    )
    def post(self, request, engagement_id: int):
        engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transition = services.engagement_transition(
            engagement=engagement, by=request.user, **serializer.validated_data
        )
        return Response(
            s.TransitionOutputSerializer(transition).data, status=status.HTTP_201_CREATED
        )


class EngagementTransitionListApi(generics.ListAPIView):
    """The engagement's recorded phase transitions, newest first."""

    serializer_class = s.TransitionOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        engagement = selectors.engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        return selectors.transition_list(engagement=engagement)
