"""Activity: the audit trail of an engagement (and a client's own entries), read-only, through
the API and as CSV. Who may read it is scoping's rule for the engagement or client itself:
its consultants, the client's operators and sponsors, staff; anyone else gets a 404."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer

from maestro.api import CursorPagination
from maestro.audit import export
from maestro.audit.events import AuditEvent
from maestro.audit.filters import AuditEntryFilter
from maestro.audit.models import AuditEntry
from maestro.audit.selectors import audit_entries_of_client, audit_entries_of_engagement
from maestro.engagements.scoping import clients_for
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.csv_export import csv_response


class ActivityPagination(CursorPagination):
    """Newest first: entries added meanwhile never shift a page."""

    ordering = ("-at", "-id")


class AuditActorOutputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(source="actor_kind", choices=AuditEntry.ActorKind.choices)
    label = serializers.CharField(source="actor_label", help_text="The name it was recorded under.")
    user = serializers.IntegerField(
        source="actor_user_id", allow_null=True, help_text="The person's id (kind `user`)."
    )
    api_key = serializers.IntegerField(
        source="actor_key_id", allow_null=True, help_text="The key's id (kind `agent_key`)."
    )


class AuditTargetOutputSerializer(serializers.Serializer):
    type = serializers.CharField(
        source="target_type", help_text="`app.Model`, e.g. `reviews.ReviewTask`."
    )
    id = serializers.CharField(source="target_id")
    label = serializers.CharField(source="target_label", help_text="Its name at the time.")


class AuditEntryOutputSerializer(serializers.ModelSerializer):
    event = serializers.ChoiceField(choices=AuditEvent.choices)
    event_label = serializers.CharField()
    client = serializers.IntegerField(source="client_id")
    engagement = serializers.IntegerField(source="engagement_id", allow_null=True)
    actor = AuditActorOutputSerializer(source="*")
    target = AuditTargetOutputSerializer(source="*", help_text="The object changed.")
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text="`{field: [before, after]}` for each field that changed.",
    )
    data = serializers.DictField(
        child=serializers.JSONField(), help_text="Other facts: a reason, a note, row counts."
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "event",
            "event_label",
            "client",
            "engagement",
            "actor",
            "target",
            "changes",
            "data",
        ]


class _ActivityList(generics.ListAPIView):
    # For the schema only (its filters); get_queryset scopes every request.
    queryset = AuditEntry.objects.none()
    serializer_class = AuditEntryOutputSerializer
    pagination_class = ActivityPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEntryFilter


class EngagementActivityApi(_ActivityList):
    """The engagement's audit trail, newest first: who changed what, when, with each changed
    field's before and after. Read-only; cursor pagination."""

    def get_queryset(self):
        engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        return audit_entries_of_engagement(engagement=engagement)


class ClientActivityApi(_ActivityList):
    """The client's own audit trail: the entries that belong to no engagement (its people:
    invitations, roles), newest first. For the client's members; read-only."""

    def get_queryset(self):
        client = get_object_or_404(clients_for(self.request.user), pk=self.kwargs["client_id"])
        return audit_entries_of_client(client=client)


class _JSONErrors(BaseContentNegotiation):
    """The export answers CSV itself; anything else it answers (an error) is JSON, whatever
    the Accept header asks for."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


TRUNCATED_HEADER = "X-Export-Truncated"


class EngagementActivityExportApi(generics.GenericAPIView):
    queryset = AuditEntry.objects.none()  # for the schema, as above
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEntryFilter
    pagination_class = None
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _JSONErrors

    def get_queryset(self):
        engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        self.engagement = engagement
        return audit_entries_of_engagement(engagement=engagement)

    @extend_schema(
        operation_id="engagements_activity_export",
        filters=True,  # the list's filters, though this is no list view
        description=(
            "The engagement's audit trail as CSV (same filters as the activity list), newest "
            f"first, at most {export.EXPORT_MAX_ROWS:,} rows: when there are more, "
            f"`{TRUNCATED_HEADER}: true` says so; narrow the dates for the older ones. Columns: "
            f"{', '.join(export.HEADER)}; `changes` and `details` are JSON. A cell that starts "
            "with `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets do not run it."
        ),
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
        },
        parameters=[
            OpenApiParameter(
                TRUNCATED_HEADER,
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                response=[200],
                enum=["true", "false"],
                description=f"`true` when more than {export.EXPORT_MAX_ROWS:,} entries matched.",
            )
        ],
    )
    def get(self, request, engagement_id: int):
        entries = self.filter_queryset(self.get_queryset())
        day = timezone.localdate().isoformat()
        return csv_response(
            filename=f"activity-engagement-{self.engagement.pk}-{day}.csv",
            header=export.HEADER,
            rows=export.audit_export_rows(entries),
            headers={
                TRUNCATED_HEADER: "true" if export.audit_export_truncated(entries) else "false"
            },
        )
