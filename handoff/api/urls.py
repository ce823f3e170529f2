from django.urls import path  # noqa: F401 - each section below adds its endpoints

from handoff.api import plans

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
    # --- Shadow answers, agreement, evidence ---
]
