from django.contrib import admin
from django.http import HttpRequest

from maestro.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail cannot be written, edited or deleted through the product."""

    list_display = ["at", "client", "engagement", "actor_label", "event", "target_label"]
    list_filter = ["event", "actor_kind"]
    search_fields = ["actor_label", "target_label", "event"]
    list_select_related = ["client", "engagement"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
