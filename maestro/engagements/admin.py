from django.contrib import admin

from maestro.engagements import services
from maestro.engagements.models import Engagement, PhaseTransition
from maestro.tenancy.admin import ClientAdmin as TenancyClientAdmin
from maestro.tenancy.models import Client

# The client's time zone and paper size are set through their services, so an edit here is
# audited like one on the settings page; tenancy (below the audit trail) cannot do that itself.
CLIENT_SETTINGS = ("time_zone", "paper_size")


class PhaseTransitionInline(admin.TabularInline):
    model = PhaseTransition
    extra = 0
    can_delete = False
    fields = ["at", "from_phase", "to_phase", "by", "note", "override_reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        # Each row's label names its engagement; load it with the rows, not one by one.
        return super().get_queryset(request).select_related("engagement__client", "by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # phases move through engagement_transition only, so gates apply


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "client",
        "phase",
        "stance",
        "lead",
        "target_accuracy",
        "phase_changed_at",
    ]
    list_filter = ["phase", "stance", "client"]
    list_select_related = ["client", "lead"]
    search_fields = ["name", "client__name"]
    raw_id_fields = ["lead"]
    filter_horizontal = ["members"]
    # Phase and stance are read-only here: moving them bypasses gates and the audit trail.
    readonly_fields = ["phase", "stance", "phase_changed_at", "created_at", "updated_at"]
    inlines = [PhaseTransitionInline]


@admin.register(PhaseTransition)
class PhaseTransitionAdmin(admin.ModelAdmin):
    list_display = ["engagement", "from_phase", "to_phase", "by", "at", "overridden"]
    list_filter = ["to_phase"]
    list_select_related = ["engagement__client", "by"]
    readonly_fields = [f.name for f in PhaseTransition._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Client)


@admin.register(Client)
class ClientAdmin(TenancyClientAdmin):
    list_display = ["name", "slug", "time_zone", "paper_size", "created_at"]
    list_filter = ["paper_size"]

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        changed = {name: form.cleaned_data[name] for name in CLIENT_SETTINGS}
        changed = {name: value for name, value in changed.items() if name in form.changed_data}
        stored = Client.objects.get(pk=obj.pk)
        for name in CLIENT_SETTINGS:
            setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)
        if changed:
            services.client_settings_update(client=obj, by=request.user, **changed)
