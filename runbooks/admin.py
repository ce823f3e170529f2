from django.contrib import admin

from runbooks.models import Runbook, RunbookRun, RunbookVersion, RunStep


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
