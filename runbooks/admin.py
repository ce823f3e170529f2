from django.contrib import admin

from runbooks.models import (
    DryRunJob,
    EscalationPlaybook,
    PlaybookVersion,
    Runbook,
    RunbookRun,
    RunbookVersion,
    RunStep,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Versions and runs change only through runbooks.services (the lost-update guard, the
    who/when of every tick); the admin shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Runbook)
class RunbookAdmin(ReadOnlyAdmin):
    list_display = ["title", "engagement", "kind", "status", "head", "owner", "updated_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["engagement__client", "owner"]
    search_fields = ["title", "slug", "engagement__name"]


@admin.register(RunbookVersion)
class RunbookVersionAdmin(ReadOnlyAdmin):
    list_display = ["runbook", "number", "author", "message", "proposed", "created_at"]
    list_select_related = ["runbook", "author"]
    search_fields = ["runbook__title", "message"]


@admin.register(RunbookRun)
class RunbookRunAdmin(ReadOnlyAdmin):
    list_display = ["runbook", "version", "status", "started_by", "started_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["runbook", "version", "started_by"]


@admin.register(RunStep)
class RunStepAdmin(ReadOnlyAdmin):
    list_display = ["run", "position", "text", "done", "done_by", "done_at"]
    list_select_related = ["run", "done_by"]


@admin.register(EscalationPlaybook)
class EscalationPlaybookAdmin(ReadOnlyAdmin):
    list_display = ["process", "created_at"]
    list_select_related = ["process"]


@admin.register(PlaybookVersion)
class PlaybookVersionAdmin(ReadOnlyAdmin):
    """Versions are immutable: a decision records the version that routed it."""

    list_display = ["playbook", "number", "default_threshold", "sla_minutes", "created_at"]
    list_select_related = ["playbook__process"]


@admin.register(DryRunJob)
class DryRunJobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "version", "training_round", "status", "cases_done", "cases_total"]
    list_filter = ["status"]
    list_select_related = ["version__playbook__process", "training_round__dataset"]
