from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from maestro.tenancy.models import Client, Membership, User


class MembershipInline(admin.TabularInline):
    """Read-only: people join a client by invitation and leave it by deactivation (the People
    page and API), which hand their review tasks over and keep the history."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created_at", "deactivated_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        # Each row shows its person: load them with the rows, not one by one.
        return super().get_queryset(request).select_related("user", "client")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-only, deactivated memberships included (see MembershipInline)."""

    list_display = ["user", "client", "role", "created_at", "deactivated_at"]
    list_filter = ["role", "client", ("deactivated_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "client"]
    search_fields = ["user__username", "user__email", "client__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
