from django.contrib import admin

from maestro.people.models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent, re-sent, revoked and accepted through the People page
    and API (maestro.people.services), which mail the link and keep the rules."""

    list_display = ["email", "client", "role", "status", "sent_at", "send_count", "invited_by"]
    list_filter = ["status", "role", "client"]
    list_select_related = ["client", "invited_by"]
    search_fields = ["email", "client__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
