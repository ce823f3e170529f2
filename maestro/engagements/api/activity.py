"""Activity: the audit trail of an engagement (and a client's own entries), read-only, through
the API and as CSV. Who may read it is scoping's rule for the engagement or client itself:
its consultants, the client's operators and sponsors, staff; anyone else gets a 404."""

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, serializers

from maestro.api import CursorPagination
from maestro.audit import export
from maestro.audit.events import AuditEvent
from maestro.audit.filters import AuditEntryFilter
from maestro.audit.models import AuditEntry
from maestro.audit.selectors import audit_entries_of_client, audit_entries_of_engagement
from maestro.engagements.scoping import clients_for
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.csv_export import TRUNCATED_HEADER, CsvExportView, csv_export_schema


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


@csv_export_schema(
    operation_id="engagements_activity_export",
    description=(
        "The engagement's audit trail as CSV (same filters as the activity list), newest "
        f"first, at most {export.EXPORT_MAX_ROWS:,} rows: when there are more, "
        f"`{TRUNCATED_HEADER}: true` says so; narrow the dates for the older ones. Columns: "
        f"{', '.join(export.HEADER)}; `changes` and `details` are JSON. A cell that starts "
        "with `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets do not run it."
    ),
    max_rows=export.EXPORT_MAX_ROWS,
    rows="entries",
)
class EngagementActivityExportApi(CsvExportView):
    queryset = AuditEntry.objects.none()  # for the schema, as above
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEntryFilter
    header = export.HEADER

    def get_queryset(self):
        engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        self.engagement = engagement
        return audit_entries_of_engagement(engagement=engagement)

    def export_rows(self, queryset):
        return export.audit_export_rows(queryset)

    def export_truncated(self, queryset) -> bool:
        return export.audit_export_truncated(queryset)

    def export_filename(self, day: str) -> str:
        return f"activity-engagement-{self.engagement.pk}-{day}.csv"
