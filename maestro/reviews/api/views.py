from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.engagements.selectors import engagement_list_for_user
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.reviews import selectors, services
from maestro.reviews.api import serializers as s

RESOLVE_CONFLICT = OpenApiResponse(
    description=(
        "Someone resolved the task first (code `task_already_resolved`): the body names "
        "`resolved_by`, `resolved_outcome`, `resolved_note` and `resolved_at`, and hands your "
        "own `your_outcome` and `your_note` back; nothing of yours was saved. A cancelled task "
        "answers code `task_not_open`."
    )
)


def _detail(task) -> dict:
    task.events_list = list(selectors.review_task_event_list(task=task))
    task.outcome_choices = (
        selectors.decision_outcome_choices(decision=task.decision) if task.decision else []
    )
    return s.ReviewTaskDetailOutputSerializer(task, context={"now": timezone.now()}).data


class ReviewQueueApi(generics.ListAPIView):
    """My open review tasks, oldest due first (`overdue` marks those past their due time)."""

    serializer_class = s.ReviewTaskOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.review_queue_for_user(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


class EngagementReviewTaskListApi(generics.ListAPIView):
    """Every review task of one engagement, open ones first by due time, then the others latest
    resolved first. Filter by `status`, `assignee` (user id) and `overdue` (true: open and past
    due; false: the rest)."""

    serializer_class = s.ReviewTaskOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        engagement = get_object_or_404(
            engagement_list_for_user(user=self.request.user), pk=self.kwargs["engagement_id"]
        )
        query = s.EngagementReviewTaskFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return selectors.review_task_list_for_engagement(
            engagement=engagement,
            status=filters.get("status"),
            assignee_id=filters.get("assignee"),
            overdue=filters.get("overdue"),
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        parameters=[s.EngagementReviewTaskFilterSerializer],
        responses={200: s.ReviewTaskOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReviewTaskDetailApi(APIView):
    @extend_schema(responses={200: s.ReviewTaskDetailOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, task_id: int):
        """One review task: the decision with the agent's proposal and the routing reasons,
        the history of events, and the known outcomes to choose from."""
        task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
        return Response(_detail(task))


class ReviewTaskResolveApi(APIView):
    @extend_schema(
        request=s.ReviewTaskResolveInputSerializer,
        responses={
            200: s.ReviewTaskDetailOutputSerializer,
            **ERROR_RESPONSES,
            409: RESOLVE_CONFLICT,
        },
    )
    def post(self, request, task_id: int):
        """Record the final outcome. An outcome other than the agent's proposal is an
        override (`decision.overridden`). The assignee, the client's other operators and the
        engagement's consultants may resolve; sponsors get 403."""
        task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
        serializer = s.ReviewTaskResolveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.review_task_resolve(task=task, by=request.user, **serializer.validated_data)
        task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
        return Response(_detail(task))


class ReviewTaskReassignApi(APIView):
    @extend_schema(
        request=s.ReviewTaskReassignInputSerializer,
        responses={
            200: s.ReviewTaskDetailOutputSerializer,
            **ERROR_RESPONSES,
            409: RESOLVE_CONFLICT,
        },
    )
    def post(self, request, task_id: int):
        """Hand an open task to an operator of the client or a consultant of the engagement
        (operators and consultants may do it; sponsors get 403)."""
        task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
        serializer = s.ReviewTaskReassignInputSerializer(
            data=request.data,
            assignees=selectors.review_task_assignee_choices(engagement=task.engagement),
        )
        serializer.is_valid(raise_exception=True)
        services.review_task_reassign(task=task, by=request.user, **serializer.validated_data)
        task = selectors.review_task_get_for_user(user=request.user, pk=task_id)
        return Response(_detail(task))


class ReviewTasksReassignApi(APIView):
    @extend_schema(
        operation_id="review_tasks_bulk_reassign",
        request=s.ReviewTasksReassignInputSerializer,
        responses={
            200: s.ReviewTasksReassignOutputSerializer,
            **ERROR_RESPONSES,
            409: OpenApiResponse(
                description="A task is no longer open (code `task_not_open`; `tasks` names "
                "them); nothing was reassigned."
            ),
        },
    )
    def post(self, request):
        """Reassign several open tasks to one person at once, all or nothing: operators and
        consultants of each task's engagement may (sponsors get 403); `to_user` must be an
        operator of the client or a consultant of every engagement concerned. Any id that is
        not a task you may see is a 404 (as one task would be), naming none of them."""
        serializer = s.ReviewTasksReassignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tasks = selectors.review_tasks_get_for_user(user=request.user, ids=data["tasks"])
        # The single-task rule for who may receive them, over every engagement concerned.
        target = s.ReviewTaskReassignInputSerializer(
            data={"to_user": data["to_user"], "note": data["note"]},
            assignees=selectors.review_task_assignee_choices_for_all(
                engagements=[task.engagement for task in tasks]
            ),
        )
        target.is_valid(raise_exception=True)
        to_user = target.validated_data["to_user"]
        moved = services.review_tasks_reassign(
            tasks=tasks, to_user=to_user, by=request.user, note=data["note"]
        )
        moved_ids = {task.pk for task in moved}
        return Response(
            s.ReviewTasksReassignOutputSerializer(
                {
                    "reassigned": [t.pk for t in tasks if t.pk in moved_ids],
                    "unchanged": [t.pk for t in tasks if t.pk not in moved_ids],
                    "to_user": to_user,
                }
            ).data
        )


class EdgeCaseListApi(generics.ListAPIView):
    """The edge-case log of the engagements you may see, newest first. Filter by
    `engagement`; `reviewed=false` keeps the ones still to review."""

    serializer_class = s.EdgeCaseOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        query = s.EdgeCaseFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        edge_cases = selectors.edge_case_list_for_user(user=self.request.user)
        if query.validated_data.get("engagement"):
            edge_cases = edge_cases.filter(engagement_id=query.validated_data["engagement"])
        reviewed = query.validated_data.get("reviewed")
        if reviewed is not None:
            edge_cases = edge_cases.filter(reviewed_at__isnull=not reviewed)
        return edge_cases

    @extend_schema(
        parameters=[s.EdgeCaseFilterSerializer],
        responses={200: s.EdgeCaseOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.EdgeCaseFlagInputSerializer,
        responses={201: s.EdgeCaseOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        """Flag a decision as an edge case, with a note (operators and consultants)."""
        serializer = s.EdgeCaseFlagInputSerializer(
            data=request.data, decisions=selectors.decision_list_for_user(user=request.user)
        )
        serializer.is_valid(raise_exception=True)
        edge_case = services.edge_case_flag(by=request.user, **serializer.validated_data)
        edge_case = selectors.edge_case_get_for_user(user=request.user, pk=edge_case.pk)
        return Response(s.EdgeCaseOutputSerializer(edge_case).data, status=status.HTTP_201_CREATED)


class EdgeCaseReviewApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: s.EdgeCaseOutputSerializer,
            **ERROR_RESPONSES,
            409: OpenApiResponse(
                description="Already reviewed (code `edge_case_already_reviewed`)."
            ),
        },
    )
    def post(self, request, edge_case_id: int):
        """Mark an edge case reviewed (operators and consultants)."""
        edge_case = selectors.edge_case_get_for_user(user=request.user, pk=edge_case_id)
        services.edge_case_mark_reviewed(edge_case=edge_case, by=request.user)
        edge_case = selectors.edge_case_get_for_user(user=request.user, pk=edge_case_id)
        return Response(s.EdgeCaseOutputSerializer(edge_case).data)
