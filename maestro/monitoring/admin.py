"""Read-only views of the feedback loops' records: scores, episodes and weekly reviews are
written by the jobs; rules and silences change through the pages and API (audited there)."""

from django.contrib import admin

from maestro.monitoring.models import (
    AlertEpisode,
    AlertRule,
    DailyScore,
    ScoringCursor,
    Silence,
    WeeklyReview,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DailyScore)
class DailyScoreAdmin(ReadOnlyAdmin):
    list_display = ["process", "day", "category", "volume", "with_outcome", "correct"]
    list_filter = ["day"]
    list_select_related = ["process"]
    date_hierarchy = "day"


@admin.register(ScoringCursor)
class ScoringCursorAdmin(ReadOnlyAdmin):
    list_display = ["process", "outcomes_until", "last_run_at"]
    list_select_related = ["process"]


@admin.register(AlertRule)
class AlertRuleAdmin(ReadOnlyAdmin):
    list_display = ["kind", "process", "category", "threshold", "threshold_high", "for_days"]
    list_select_related = ["process"]


@admin.register(AlertEpisode)
class AlertEpisodeAdmin(ReadOnlyAdmin):
    list_display = ["rule", "state", "started_on", "value", "silenced", "acknowledged_at"]
    list_filter = ["state", "silenced"]
    list_select_related = ["rule", "rule__process"]


@admin.register(Silence)
class SilenceAdmin(ReadOnlyAdmin):
    list_display = ["process", "rule", "starts_at", "ends_at", "reason"]
    list_select_related = ["process", "rule", "rule__process"]


@admin.register(WeeklyReview)
class WeeklyReviewAdmin(ReadOnlyAdmin):
    list_display = ["kind", "engagement", "process", "week", "recipients"]
    list_select_related = ["engagement", "process"]
