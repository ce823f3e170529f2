import django_filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.engagements.selectors import engagement_list_for_user
from maestro.lib.filters import IdFilter
from maestro.lib.openapi import ERROR_RESPONSES
from runbooks import selectors, services
from runbooks.api import serializers as s
from runbooks.models import Runbook

CONFLICT = OpenApiResponse(
    description=(
        "Lost-update guard (code `version_conflict`): someone saved a newer version than "
        "`base_version`. The body carries `base_version` and `current_version`; nothing was "
        "written. Read the runbook again, merge, and resend with the new `base_version`."
    )
)
RUN_CONFLICT = OpenApiResponse(description="The run is already finished (code `run_finished`).")


class RunbookFilter(django_filters.FilterSet):
    engagement = IdFilter(field_name="engagement_id")
    process = IdFilter(field_name="process_id")
    status = django_filters.MultipleChoiceFilter(choices=Runbook.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Runbook.Kind.choices)

    class Meta:
        model = Runbook
        fields = ["engagement", "process", "status", "kind"]


def _detail(runbook: Runbook) -> dict:
    rendered = selectors.runbook_head_rendered(runbook=runbook)
    runbook.html, runbook.toc = rendered.html, rendered.toc  # type: ignore[attr-defined]
    return s.RunbookDetailOutputSerializer(runbook).data


class RunbookListApi(generics.ListAPIView):
    """Runbooks of the engagements you may see. Filter by engagement, process, status, kind; `q`
    searches title and body (PostgreSQL full text, best match first; substring on SQLite)."""

    serializer_class = s.RunbookOutputSerializer
    filterset_class = RunbookFilter
    ordering_fields = ["title", "updated_at", "created_at"]

    def get_queryset(self):
        queryset = selectors.runbook_list_for_user(user=self.request.user)
        return selectors.runbook_search(queryset=queryset, query=self.request.GET.get("q", ""))

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Search title and body.")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.RunbookCreateInputSerializer,
        responses={201: s.RunbookDetailOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        """Create a runbook (the engagement's consultants) in draft, with version 1. The body
        is refused as on saving a version (400, codes `body_too_long`, `body_too_deep`,
        `body_too_dense`, `render_too_slow`)."""
        serializer = s.RunbookCreateInputSerializer(
            data=request.data, engagements=engagement_list_for_user(user=request.user)
        )
        serializer.is_valid(raise_exception=True)
        runbook = services.runbook_create(**serializer.validated_data, by=request.user)
        runbook = selectors.runbook_get_for_user(user=request.user, pk=runbook.pk)
        return Response(_detail(runbook), status=status.HTTP_201_CREATED)


class RunbookDetailApi(APIView):
    @extend_schema(responses={200: s.RunbookDetailOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, runbook_id: int):
        """One runbook with its newest version's Markdown, sanitised HTML and contents."""
        runbook = selectors.runbook_get_for_user(user=request.user, pk=runbook_id)
        return Response(_detail(runbook))


class VersionListApi(generics.ListAPIView):
    """The runbook's versions, newest first (`proposed`: saved by an operator for review)."""

    serializer_class = s.VersionOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        runbook = selectors.runbook_get_for_user(
            user=self.request.user, pk=self.kwargs["runbook_id"]
        )
        return selectors.version_list(runbook=runbook)

    @extend_schema(
        request=s.VersionCreateInputSerializer,
        responses={201: s.VersionOutputSerializer, **ERROR_RESPONSES, 409: CONFLICT},
        description=(
            "Save an edit as a new immutable version. Send `base_version`, the `head` you "
            "started from: if a newer version exists the answer is **409** with code "
            "`version_conflict`, `base_version` and `current_version`, and nothing is saved. "
            "Consultants' and operators' saves are both kept; an operator's is marked "
            "`proposed` until a consultant publishes. Sponsors get 403. The body is rendered "
            "once, here: a body the renderer refuses is a 400 with code `body_too_long`, "
            "`body_too_deep` or `body_too_dense`, and one whose rendering is stopped by the "
            "time limit a 400 with code `render_too_slow`; nothing is saved."
        ),
    )
    def post(self, request, runbook_id: int):
        runbook = selectors.runbook_get_for_user(user=request.user, pk=runbook_id)
        serializer = s.VersionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.runbook_save(
            runbook=runbook, by=request.user, **serializer.validated_data
        )
        return Response(s.VersionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionDetailApi(APIView):
    @extend_schema(responses={200: s.VersionDetailOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, runbook_id: int, number: int):
        """One version's Markdown and its sanitised HTML."""
        runbook = selectors.runbook_get_for_user(user=request.user, pk=runbook_id)
        version = selectors.version_get(runbook=runbook, number=number)
        version.html = selectors.version_rendered(
            version=version, engagement_id=runbook.engagement_id
        ).html
        return Response(s.VersionDetailOutputSerializer(version).data)


class RunbookDiffApi(APIView):
    @extend_schema(
        parameters=[s.DiffQuerySerializer],
        responses={200: s.DiffOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, runbook_id: int):
        """The differences between two versions (`old`, `new`) as a unified diff."""
        runbook = selectors.runbook_get_for_user(user=request.user, pk=runbook_id)
        query = s.DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        diff = selectors.version_diff(runbook=runbook, **query.validated_data)
        return Response(s.DiffOutputSerializer(diff).data)


class RunbookRestoreApi(APIView):
    @extend_schema(
        request=s.RestoreInputSerializer,
        responses={201: s.VersionOutputSerializer, **ERROR_RESPONSES, 409: CONFLICT},
        description=(
            "Bring an old version back as a new version on top of `base_version` (the same "
            "409 `version_conflict` guard as saving)."
        ),
    )
    def post(self, request, runbook_id: int):
        runbook = selectors.runbook_get_for_user(user=request.user, pk=runbook_id)
        serializer = s.RestoreInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = services.runbook_restore(
            runbook=runbook,
            by=request.user,
            number=data["version"],
            base_version=data["base_version"],
            message=data["message"],
        )
        return Response(s.VersionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class RunbookPublishApi(APIView):
    @extend_schema(
        request=s.PublishInputSerializer,
        responses={200: s.RunbookDetailOutputSerializer, **ERROR_RESPONSES},
        description=(
            "Publish a version (default: the newest) as the one operators run. The "
            "engagement's consultants only; operators and sponsors get 403."
        ),
    )
    def post(self, request, runbook_id: int):
        runbook = selectors.runbook_get_for_user(user=request.user, pk=runbook_id)
        serializer = s.PublishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.runbook_publish(runbook=runbook, by=request.user, **serializer.validated_data)
        return Response(_detail(selectors.runbook_get_for_user(user=request.user, pk=runbook_id)))


class RunbookRetireApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: s.RunbookDetailOutputSerializer,
            **ERROR_RESPONSES,
            409: OpenApiResponse(
                description="Runs are still in progress (code `runs_in_progress`)."
            ),
        },
        description="Retire the runbook (consultants only): it can no longer change or run.",
    )
    def post(self, request, runbook_id: int):
        runbook = selectors.runbook_get_for_user(user=request.user, pk=runbook_id)
        services.runbook_retire(runbook=runbook, by=request.user)
        return Response(_detail(selectors.runbook_get_for_user(user=request.user, pk=runbook_id)))


class RunListApi(generics.ListAPIView):
    """The runbook's runs, newest first."""

    serializer_class = s.RunOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        runbook = selectors.runbook_get_for_user(
            user=self.request.user, pk=self.kwargs["runbook_id"]
        )
        return selectors.run_list(runbook=runbook)

    @extend_schema(
        request=None,
        responses={201: s.RunDetailOutputSerializer, **ERROR_RESPONSES},
        description=(
            "Start a run of the published version (operators and consultants): its task-list "
            "items become the steps. Code `not_published` or `no_steps` when it cannot run."
        ),
    )
    def post(self, request, runbook_id: int):
        runbook = selectors.runbook_get_for_user(user=request.user, pk=runbook_id)
        run = services.run_start(runbook=runbook, by=request.user)
        run = selectors.run_get_for_user(user=request.user, pk=run.pk)
        return Response(s.RunDetailOutputSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    @extend_schema(responses={200: s.RunDetailOutputSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, run_id: int):
        """One run with its steps, who ticked them and when."""
        run = selectors.run_get_for_user(user=request.user, pk=run_id)
        return Response(s.RunDetailOutputSerializer(run).data)


class RunStepUpdateApi(APIView):
    @extend_schema(
        request=s.StepUpdateInputSerializer,
        responses={200: s.StepOutputSerializer, **ERROR_RESPONSES, 409: RUN_CONFLICT},
        description="Tick or untick a step (who and when are recorded) and/or set its note.",
    )
    def post(self, request, run_id: int, step_id: int):
        run = selectors.run_get_for_user(user=request.user, pk=run_id)
        step = generics.get_object_or_404(selectors.step_list(run=run), pk=step_id)
        step.run = run
        serializer = s.StepUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = services.run_step_update(step=step, by=request.user, **serializer.validated_data)
        return Response(s.StepOutputSerializer(step).data)


class RunCompleteApi(APIView):
    @extend_schema(
        request=s.RunFinishInputSerializer,
        responses={200: s.RunDetailOutputSerializer, **ERROR_RESPONSES, 409: RUN_CONFLICT},
        description="Complete the run; every step must be ticked (else 400 `steps_open`).",
    )
    def post(self, request, run_id: int):
        run = selectors.run_get_for_user(user=request.user, pk=run_id)
        serializer = s.RunFinishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.run_complete(run=run, by=request.user, **serializer.validated_data)
        run = selectors.run_get_for_user(user=request.user, pk=run_id)
        return Response(s.RunDetailOutputSerializer(run).data)


class RunAbandonApi(APIView):
    @extend_schema(
        request=s.RunFinishInputSerializer,
        responses={200: s.RunDetailOutputSerializer, **ERROR_RESPONSES, 409: RUN_CONFLICT},
        description="Abandon the run; the `note` saying why is required.",
    )
    def post(self, request, run_id: int):
        run = selectors.run_get_for_user(user=request.user, pk=run_id)
        serializer = s.RunFinishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.run_abandon(run=run, by=request.user, **serializer.validated_data)
        run = selectors.run_get_for_user(user=request.user, pk=run_id)
        return Response(s.RunDetailOutputSerializer(run).data)
