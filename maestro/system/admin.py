from django.contrib import admin

from maestro.system.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker", "last_seen_at", "beats"]
    readonly_fields = ["worker", "last_seen_at", "beats"]
