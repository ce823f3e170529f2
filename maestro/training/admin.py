from django.contrib import admin

from maestro.training.models import (
    AgentOutput,
    EvaluationCase,
    EvaluationDataset,
    FailureReview,
    GateCriteria,
    ImportJob,
    StagedCase,
    StagedOutput,
    TrainingRound,
)


@admin.register(EvaluationDataset)
class EvaluationDatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "process", "created_at"]
    list_select_related = ["process__engagement"]
    search_fields = ["name", "process__name"]
    raw_id_fields = ["process"]


@admin.register(EvaluationCase)
class EvaluationCaseAdmin(admin.ModelAdmin):
    list_display = ["case_ref", "dataset", "category", "correct_outcome"]
    list_select_related = ["dataset"]
    search_fields = ["case_ref", "category"]
    raw_id_fields = ["dataset"]


@admin.register(TrainingRound)
class TrainingRoundAdmin(admin.ModelAdmin):
    list_display = ["dataset", "number", "date"]
    list_select_related = ["dataset"]
    raw_id_fields = ["dataset"]


@admin.register(AgentOutput)
class AgentOutputAdmin(admin.ModelAdmin):
    list_display = ["round", "case", "predicted_outcome", "confidence"]
    list_select_related = ["round__dataset", "case"]
    raw_id_fields = ["round", "case"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    # Jobs change only through the import service; the admin is for looking.
    list_display = ["pk", "kind", "status", "dataset", "rows_done", "rows_total", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["dataset"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(FailureReview)
class FailureReviewAdmin(admin.ModelAdmin):
    list_display = ["round", "case", "cause"]
    list_filter = ["cause"]
    list_select_related = ["round__dataset", "case"]
    raw_id_fields = ["round", "case"]


@admin.register(GateCriteria)
class GateCriteriaAdmin(admin.ModelAdmin):
    list_display = ["engagement"]
    list_select_related = ["engagement__client"]
    raw_id_fields = ["engagement"]


@admin.register(StagedCase, StagedOutput)
class StagedRowAdmin(admin.ModelAdmin):
    """Rows of imports still running (or of a worker that died; import_jobs_recover clears
    those): read only."""

    list_display = ["stage", "__str__"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
