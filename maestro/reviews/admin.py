from django.contrib import admin

from maestro.reviews.models import EdgeCase, ReviewTask, ReviewTaskEvent


class ReviewTaskEventInline(admin.TabularInline):
    model = ReviewTaskEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "from_user", "to_user", "by", "note", "at"]


@admin.register(ReviewTask)
class ReviewTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "engagement", "assignee", "status", "due_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["engagement", "assignee"]
    search_fields = ["title"]
    raw_id_fields = ["engagement", "decision", "assignee", "resolved_by"]
    inlines = [ReviewTaskEventInline]


@admin.register(ReviewTaskEvent)
class ReviewTaskEventAdmin(admin.ModelAdmin):
    list_display = ["task", "kind", "to_user", "by", "at"]
    list_select_related = ["task"]
    raw_id_fields = ["task", "from_user", "to_user", "by"]


@admin.register(EdgeCase)
class EdgeCaseAdmin(admin.ModelAdmin):
    list_display = ["decision", "engagement", "flagged_by", "flagged_at", "reviewed_at"]
    list_select_related = ["decision", "engagement"]
    raw_id_fields = ["engagement", "decision", "flagged_by"]
