"""Daily scores through the API: the engagement's rows (paginated) and their CSV export.
Anyone who may see the engagement may read them (scoping's rule); anyone else gets a 404."""

import django_filters
from rest_framework import generics, serializers

from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.csv_export import TRUNCATED_HEADER, CsvExportView, csv_export_schema
from maestro.lib.filters import FilterBackend, IdFilter
from maestro.lib.serializers import ShareField
from maestro.monitoring.models import DailyScore
from maestro.monitoring.rates import COUNTS, RATE_NAMES
from maestro.monitoring.selectors import scores as selectors

ALL_CATEGORIES = "all"  # ?category=all (or empty): the process-wide row


class DailyScoreFilter(django_filters.FilterSet):
    process = IdFilter(field_name="process_id")
    category = django_filters.CharFilter(
        method="filter_category",
        max_length=200,
        help_text="A category's rows; `all` or empty for the process-wide row only "
        '(category `""`); absent for every row.',
    )
    date_from = django_filters.DateFilter(
        field_name="day", lookup_expr="gte", help_text="From this local day (YYYY-MM-DD)."
    )
    date_to = django_filters.DateFilter(
        field_name="day", lookup_expr="lte", help_text="Until this local day, included."
    )

    class Meta:
        model = DailyScore
        fields: list[str] = []

    def filter_category(self, queryset, name, value):
        return queryset.filter(category="" if value == ALL_CATEGORIES else value)

    def filter_queryset(self, queryset):
        start, end = self.form.cleaned_data.get("date_from"), self.form.cleaned_data.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError({"date_to": ["date_to is before date_from."]})
        queryset = super().filter_queryset(queryset)
        # An empty value is skipped by django-filter; here it names the process-wide row.
        if self.data.get("category", None) == "":
            queryset = queryset.filter(category="")
        return queryset


class DailyScoreOutputSerializer(serializers.ModelSerializer):
    process_name = serializers.CharField(source="process.name")
    accuracy = ShareField(read_only=True, allow_null=True, help_text="correct / with_outcome.")
    automation_rate = ShareField(read_only=True, allow_null=True, help_text="auto_routed / volume.")
    escalation_rate = ShareField(read_only=True, allow_null=True, help_text="escalated / volume.")
    override_rate = ShareField(
        read_only=True, allow_null=True, help_text="overridden / human_resolved."
    )

    class Meta:
        model = DailyScore
        fields = [
            "id",
            "process",
            "process_name",
            "day",
            "category",
            *COUNTS,
            *RATE_NAMES,
            "resolution_median_seconds",
            "resolution_p90_seconds",
            "computed_at",
        ]


class _Scores:
    # The filters below only: rows come in one fixed order (day, process, category).
    filter_backends = [FilterBackend]

    def get_queryset(self):
        self.engagement = engagement_get_for_user(
            user=self.request.user, pk=self.kwargs["engagement_id"]
        )
        return selectors.daily_score_list(engagement=self.engagement)


class DailyScoreListApi(_Scores, generics.ListAPIView):
    """The engagement's daily scores, oldest day first: per process and client-local day,
    one row per category and a process-wide row (`category` ""). Rates are shares of the
    counts; null when there is nothing to divide by."""

    queryset = DailyScore.objects.none()  # for the schema; get_queryset scopes every request
    serializer_class = DailyScoreOutputSerializer
    filterset_class = DailyScoreFilter


@csv_export_schema(
    operation_id="engagements_daily_scores_export",
    description=(
        "The engagement's daily scores as CSV (same filters as the list), oldest day "
        f"first, at most {selectors.EXPORT_MAX_ROWS:,} rows: when there are more, "
        f"`{TRUNCATED_HEADER}: true` says so; narrow the dates. Columns: "
        f"{', '.join(selectors.EXPORT_HEADER)}; `category` is `all` on the process-wide "
        "row; rates are fractions from 0 to 1 (empty when there is nothing to divide by)."
    ),
    max_rows=selectors.EXPORT_MAX_ROWS,
    rows="rows",
)
class DailyScoreExportApi(_Scores, CsvExportView):
    queryset = DailyScore.objects.none()
    filterset_class = DailyScoreFilter
    header = selectors.EXPORT_HEADER

    def export_rows(self, queryset):
        return selectors.daily_score_export_rows(queryset)

    def export_truncated(self, queryset) -> bool:
        return selectors.daily_score_export_truncated(queryset)

    def export_filename(self, day: str) -> str:
        return f"daily-scores-engagement-{self.engagement.pk}-{day}.csv"
