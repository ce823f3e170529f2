from django.contrib import admin

from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["name", "engagement", "volume_per_day", "minutes_per_case", "owner_team"]
    list_select_related = ["engagement__client"]
    search_fields = ["name", "engagement__name"]
    raw_id_fields = ["engagement"]


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["name", "process", "flow", "order", "kind", "informal", "undocumented"]
    list_filter = ["flow", "kind", "informal", "undocumented"]
    list_select_related = ["process"]
    search_fields = ["name", "process__name"]
    raw_id_fields = ["process", "documented_step"]


@admin.register(DecisionType)
class DecisionTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "engagement", "autonomy", "confidence_threshold", "compliance"]
    list_filter = ["autonomy", "compliance"]
    list_select_related = ["engagement__client"]
    search_fields = ["name"]
    raw_id_fields = ["engagement"]


@admin.register(DecisionPoint)
class DecisionPointAdmin(admin.ModelAdmin):
    list_display = ["step", "decision_type"]
    list_select_related = ["step", "decision_type"]
    raw_id_fields = ["step", "decision_type"]
