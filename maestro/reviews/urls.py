from django.urls import path

from maestro.reviews import views

app_name = "reviews"

urlpatterns = [
    path("start/", views.landing, name="landing"),
    path("queue/", views.review_queue, name="queue"),
    path("review-tasks/<int:task_id>/", views.review_task_detail, name="task-detail"),
    path("review-tasks/<int:task_id>/reassign/", views.review_task_reassign, name="task-reassign"),
    path("review-tasks/<int:task_id>/flag/", views.review_task_flag, name="task-flag"),
    path(
        "engagements/<int:engagement_id>/review-tasks/",
        views.engagement_review_tasks,
        name="engagement-tasks",
    ),
    path(
        "engagements/<int:engagement_id>/review-tasks/reassign/",
        views.engagement_review_tasks_reassign,
        name="engagement-tasks-reassign",
    ),
    path("engagements/<int:engagement_id>/edge-cases/", views.edge_case_log, name="edge-cases"),
    path("edge-cases/<int:edge_case_id>/review/", views.edge_case_review, name="edge-case-review"),
]
