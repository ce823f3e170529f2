from django.contrib import admin

from maestro.playbooks.models import (
    DryRunJob,
    EscalationPlaybook,
    KnownCounterparty,
    PlaybookVersion,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Playbook versions and dry runs change only through maestro.playbooks.services (versions
    are immutable: a decision records the version that routed it); the admin shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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


@admin.register(KnownCounterparty)
class KnownCounterpartyAdmin(admin.ModelAdmin):
    list_display = ["name", "process", "first_seen_at"]
    list_select_related = ["process"]
    search_fields = ["name"]
    raw_id_fields = ["process"]
