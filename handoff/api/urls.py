from django.urls import path  # noqa: F401 - each section below adds its endpoints

from handoff.api import check_ins, plans
from handoff.api import documents as documents_api
from handoff.api import shadow as shadow_api
from handoff.api import sign_off as sign_off_api
from handoff.api import verify as verify_api

app_name = "handoff-api"

urlpatterns: list = [
    # --- Plans, competencies, readiness, stance ---
    path(
        "engagements/<int:engagement_id>/skill-plans/",
        plans.EngagementPlanListApi.as_view(),
        name="plan-list",
    ),
    path("skill-plans/<int:plan_id>/", plans.PlanDetailApi.as_view(), name="plan"),
    path(
        "skill-plans/<int:plan_id>/competencies/",
        plans.PlanCompetencyCreateApi.as_view(),
        name="competency-create",
    ),
    path(
        "competencies/<int:competency_id>/",
        plans.CompetencyDetailApi.as_view(),
        name="competency",
    ),
    path(
        "skill-plans/<int:plan_id>/readiness/",
        plans.PlanReadinessApi.as_view(),
        name="plan-readiness",
    ),
    path(
        "engagements/<int:engagement_id>/readiness/",
        plans.EngagementReadinessApi.as_view(),
        name="engagement-readiness",
    ),
    path(
        "engagements/<int:engagement_id>/stance-steps/",
        plans.EngagementStanceStepListApi.as_view(),
        name="stance-step-list",
    ),
    # --- Check-ins ---
    path(
        "skill-plans/<int:plan_id>/check-ins/",
        check_ins.PlanCheckInListApi.as_view(),
        name="plan-check-in-list",
    ),
    path("check-ins/<int:check_in_id>/", check_ins.CheckInDetailApi.as_view(), name="check-in"),
    path(
        "check-ins/<int:check_in_id>/record/",
        check_ins.CheckInRecordApi.as_view(),
        name="check-in-record",
    ),
    path("calendar-feed/", check_ins.CalendarFeedApi.as_view(), name="calendar-feed"),
    # --- Shadow answers, agreement, evidence ---
    path(
        "skill-plans/<int:plan_id>/shadow-cases/",
        shadow_api.PlanShadowCaseListApi.as_view(),
        name="shadow-case-list",
    ),
    path(
        "shadow-cases/<int:shadow_case_id>/",
        shadow_api.ShadowCaseDetailApi.as_view(),
        name="shadow-case",
    ),
    path(
        "shadow-cases/<int:shadow_case_id>/answer/",
        shadow_api.ShadowCaseAnswerApi.as_view(),
        name="shadow-case-answer",
    ),
    path(
        "skill-plans/<int:plan_id>/shadow-share/",
        shadow_api.PlanShadowShareApi.as_view(),
        name="plan-shadow-share",
    ),
    path(
        "skill-plans/<int:plan_id>/agreement/",
        shadow_api.PlanAgreementApi.as_view(),
        name="plan-agreement",
    ),
    path(
        "skill-plans/<int:plan_id>/evidence/",
        shadow_api.PlanEvidenceApi.as_view(),
        name="plan-evidence",
    ),
    # --- Handoff document sign-offs, verify ---
    path(
        "handoff-documents/verify/",
        verify_api.HandoffDocumentVerifyApi.as_view(),
        name="handoff-document-verify",
    ),
    path(
        "handoff-documents/<int:document_id>/sign-off/",
        sign_off_api.HandoffDocumentSignOffApi.as_view(),
        name="handoff-document-sign-off",
    ),
    path(
        "handoff-documents/<int:document_id>/sign-offs/",
        sign_off_api.HandoffDocumentSignOffListApi.as_view(),
        name="handoff-document-sign-off-list",
    ),
    # --- Handoff PDF: generations and their files ---
    path(
        "engagements/<int:engagement_id>/handoff-documents/",
        documents_api.EngagementDocumentListApi.as_view(),
        name="document-list",
    ),
    path(
        "handoff-documents/<int:document_id>/",
        documents_api.DocumentDetailApi.as_view(),
        name="document",
    ),
    path(
        "handoff-documents/<int:document_id>/download/",
        documents_api.DocumentDownloadApi.as_view(),
        name="document-download",
    ),
]
