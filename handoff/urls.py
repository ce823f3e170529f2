from django.urls import path  # noqa: F401 - each section below adds its pages

from handoff.views import shadow as shadow_views
from handoff.views import check_ins

app_name = "handoff"

urlpatterns: list = [
    # --- Plans, competencies, stance ---
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
]
