from django.urls import path  # noqa: F401 - each section below adds its pages

from handoff.views import check_ins, plans
from handoff.views import documents as document_views
from handoff.views import handoff as handoff_views
from handoff.views import shadow as shadow_views
from handoff.views import verify as verify_views

app_name = "handoff"

urlpatterns: list = [
    # --- Plans, competencies, stance ---
    path("engagements/<int:engagement_id>/skill-transfer/", plans.plan_list, name="plans"),
    path(
        "engagements/<int:engagement_id>/skill-transfer/new/",
        plans.plan_create,
        name="plan-create",
    ),
    path("skill-plans/<int:plan_id>/", plans.plan_detail, name="plan"),
    path("skill-plans/<int:plan_id>/edit/", plans.plan_edit, name="plan-edit"),
    path(
        "skill-plans/<int:plan_id>/competencies/new/",
        plans.competency_create,
        name="competency-create",
    ),
    path("competencies/<int:competency_id>/edit/", plans.competency_edit, name="competency-edit"),
    path(
        "competencies/<int:competency_id>/delete/",
        plans.competency_delete,
        name="competency-delete",
    ),
    path("competencies/<int:competency_id>/move/", plans.competency_move, name="competency-move"),
    path("engagements/<int:engagement_id>/stance/step/", plans.stance_step, name="stance-step"),
    # --- Check-ins, calendar feed ---
    path("check-ins/<int:check_in_id>/", check_ins.check_in_detail, name="check-in"),
    path("calendar/", check_ins.calendar_page, name="calendar"),
    path("calendar/<str:token>.ics", check_ins.calendar_feed, name="calendar-feed"),
    # --- Shadow reviews, agreement, evidence ---
    path("shadow-reviews/", shadow_views.shadow_queue, name="shadow-queue"),
    path("shadow-reviews/<int:case_id>/", shadow_views.shadow_case_detail, name="shadow-case"),
    path("engagements/<int:engagement_id>/agreement/", shadow_views.agreement, name="agreement"),
    path(
        "skill-plans/<int:plan_id>/shadow-share/",
        shadow_views.plan_shadow_share,
        name="plan-shadow-share",
    ),
    # --- The Handoff page, sign-off, verify ---
    path("engagements/<int:engagement_id>/handoff/", handoff_views.handoff_page, name="handoff"),
    path(
        "handoff-documents/<int:document_id>/sign-off/",
        handoff_views.handoff_document_sign_off,
        name="document-sign-off",
    ),
    path("handoff-documents/verify/", verify_views.verify_page, name="verify"),
    # --- Handoff PDF: generations, downloads, print preview ---
    path(
        "engagements/<int:engagement_id>/handoff-pdf/",
        document_views.documents,
        name="documents",
    ),
    path(
        "engagements/<int:engagement_id>/handoff-pdf/generate/",
        document_views.document_generate,
        name="document-generate",
    ),
    path(
        "engagements/<int:engagement_id>/handoff-pdf/preview/",
        document_views.document_preview,
        name="document-preview",
    ),
    path(
        "handoff-pdfs/<int:document_id>/download.pdf",
        document_views.document_download,
        name="document-download",
    ),
]
