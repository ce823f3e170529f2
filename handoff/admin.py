"""Skill transfer and the handoff PDF in the admin: plans and their competencies are edited on the
pages (audited there), PDFs are generated and signed there; here they are read, with check-ins,
shadow cases, feeds, generations and sign-offs, for support."""

from django.contrib import admin

from handoff.models import (
    CalendarFeed,
    CheckIn,
    CheckInFollowUp,
    CheckInStage,
    Competency,
    HandoffDocument,
    HandoffSignOff,
    ShadowCase,
    SkillTransferPlan,
    StanceStep,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CompetencyInline(admin.TabularInline):
    model = Competency
    fields = ["name", "target_stage", "current_stage", "order"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(SkillTransferPlan)
class SkillTransferPlanAdmin(ReadOnlyAdmin):
    list_display = ["operator", "engagement", "every_weeks", "weekday", "local_time"]
    list_select_related = ["operator", "engagement", "engagement__client"]
    inlines = [CompetencyInline]


@admin.register(Competency)
class CompetencyAdmin(ReadOnlyAdmin):
    list_display = ["name", "plan", "current_stage", "target_stage"]
    list_select_related = ["plan", "plan__operator", "plan__engagement__client"]


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["plan", "scheduled_at", "status", "reminded_at", "recorded_at"]
    list_filter = ["status"]
    list_select_related = ["plan", "plan__operator", "plan__engagement__client"]


@admin.register(CheckInStage)
class CheckInStageAdmin(ReadOnlyAdmin):
    list_display = ["check_in", "competency", "stage"]
    list_select_related = ["check_in", "competency"]


@admin.register(CheckInFollowUp)
class CheckInFollowUpAdmin(ReadOnlyAdmin):
    list_display = ["check_in", "task"]
    list_select_related = ["check_in", "task"]


@admin.register(StanceStep)
class StanceStepAdmin(ReadOnlyAdmin):
    list_display = ["engagement", "from_stance", "to_stance", "by", "at"]
    list_select_related = ["engagement", "engagement__client", "by"]


@admin.register(ShadowCase)
class ShadowCaseAdmin(ReadOnlyAdmin):
    list_display = ["task", "plan", "consultant_answered_at", "operator_answered_at"]
    list_select_related = ["task", "plan", "plan__operator", "plan__engagement__client"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at", "revoked_at"]
    list_select_related = ["user"]
    exclude = ["token_hash"]


class HandoffSignOffInline(admin.TabularInline):
    model = HandoffSignOff
    fields = ["signed_by", "role", "sha256", "signed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(HandoffDocument)
class HandoffDocumentAdmin(ReadOnlyAdmin):
    list_display = ["engagement", "version", "status", "sha256", "page_count", "created_at"]
    list_filter = ["status"]
    list_select_related = ["engagement", "engagement__client"]
    inlines = [HandoffSignOffInline]


@admin.register(HandoffSignOff)
class HandoffSignOffAdmin(ReadOnlyAdmin):
    list_display = ["document", "signed_by", "role", "signed_at"]
    list_select_related = ["document__engagement__client", "signed_by"]
