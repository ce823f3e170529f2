from django.urls import path

from maestro.reviews.api import views

app_name = "reviews-api"

urlpatterns = [
    path("review-tasks/queue/", views.ReviewQueueApi.as_view(), name="review-queue"),
    path(
        "engagements/<int:engagement_id>/review-tasks/",
        views.EngagementReviewTaskListApi.as_view(),
        name="engagement-review-tasks",
    ),
    path("review-tasks/reassign/", views.ReviewTasksReassignApi.as_view(), name="tasks-reassign"),
    path("review-tasks/<int:task_id>/", views.ReviewTaskDetailApi.as_view(), name="task-detail"),
    path(
        "review-tasks/<int:task_id>/resolve/",
        views.ReviewTaskResolveApi.as_view(),
        name="task-resolve",
    ),
    path(
        "review-tasks/<int:task_id>/reassign/",
        views.ReviewTaskReassignApi.as_view(),
        name="task-reassign",
    ),
    path("edge-cases/", views.EdgeCaseListApi.as_view(), name="edge-case-list"),
    path(
        "edge-cases/<int:edge_case_id>/review/",
        views.EdgeCaseReviewApi.as_view(),
        name="edge-case-review",
    ),
]
