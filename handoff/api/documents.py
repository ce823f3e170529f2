"""The handoff PDF in the API: an engagement's generations (list; POST asks for the next one,
the engagement's consultants only), one generation (its status and progress: poll it), and its
file. Scoped through the selectors: another client's generations are 404s."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from handoff.models import HandoffDocument
from handoff.selectors import documents as selectors
from handoff.services import documents as services
from handoff.views.documents import document_file_response
from maestro.engagements.api.serializers import UserSummarySerializer
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.accepted import StatusUrlField, accepted
from maestro.lib.jobs import JobStatus
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.lib.serializers import JobStatusDisplayField, JobStatusField, OutputModelSerializer

IN_PROGRESS = OpenApiResponse(
    description="A generation of this engagement is still queued or running "
    "(`generation_in_progress`); nothing was queued."
)
NOT_FOUND = {404: ERROR_RESPONSES[404]}


class HandoffDocumentOutputSerializer(OutputModelSerializer):
    status = JobStatusField(published=HandoffDocument.PUBLISHED_STATUSES)
    status_display = JobStatusDisplayField(published=HandoffDocument.PUBLISHED_STATUSES)
    requested_by = UserSummarySerializer(read_only=True, allow_null=True)
    progress_percent = serializers.SerializerMethodField(
        help_text="Share of the sections gathered, 0 to 100 (100 once succeeded)."
    )
    progress_display = serializers.SerializerMethodField(
        help_text='Where a running generation is, e.g. "5 of 11: Training history"; empty once '
        "it is over."
    )
    download_url = serializers.SerializerMethodField(
        help_text="The PDF (GET), once `status` is `succeeded`; null before and on failure."
    )
    status_url = StatusUrlField(
        view_name="handoff-api:document", url_kwargs=lambda d: {"document_id": d.pk}
    )

    class Meta:
        model = HandoffDocument
        fields = [
            "id",
            "engagement",
            "version",
            "status",
            "status_display",
            "paper_size",
            "sections_total",
            "sections_done",
            "current_section",
            "progress_percent",
            "progress_display",
            "sha256",
            "size_bytes",
            "page_count",
            "manifest",
            "error",
            "requested_by",
            "download_url",
            "status_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        extra_kwargs = {
            "sha256": {"help_text": "SHA-256 of the PDF's bytes (hex), once succeeded."},
            "manifest": {
                "help_text": "What the client signs for: the runbook and playbook versions "
                "with their content hashes, as they were when this generation was made."
            },
            "error": {"help_text": "Why the generation failed; empty otherwise."},
        }

    def get_progress_percent(self, document: HandoffDocument) -> int:
        return selectors.document_progress(document).percent

    def get_progress_display(self, document: HandoffDocument) -> str:
        return selectors.document_progress(document).text

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, document: HandoffDocument) -> str | None:
        if document.status != JobStatus.SUCCEEDED:
            return None
        path = reverse("handoff-api:document-download", kwargs={"document_id": document.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class EngagementDocumentListApi(generics.ListAPIView):
    """The engagement's handoff PDF generations, newest first."""

    serializer_class = HandoffDocumentOutputSerializer
    queryset = HandoffDocument.objects.none()  # for the schema; requests use get_queryset
    filter_backends: list = []

    def _engagement(self):
        return engagement_get_for_user(user=self.request.user, pk=self.kwargs["engagement_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.document_list(engagement=self._engagement())

    @extend_schema(
        operation_id="engagements_handoff_documents_list",
        responses={200: HandoffDocumentOutputSerializer(many=True), **NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="engagements_handoff_documents_request",
        request=None,
        responses={202: HandoffDocumentOutputSerializer, 409: IN_PROGRESS, **ERROR_RESPONSES},
    )
    def post(self, request, engagement_id: int):
        """Generate the next version of the handoff PDF (on the client's paper size). Answers
        202 with the generation; poll its `status_url` for the progress by section, then its
        `download_url` or its `error`. The engagement's consultants only (403
        `not_consultant`); one generation at a time (409 `generation_in_progress`)."""
        document = services.handoff_document_request(
            engagement=self._engagement(), actor=request.user
        )
        return accepted(
            HandoffDocumentOutputSerializer(document, context={"request": request}).data
        )


class DocumentDetailApi(APIView):
    @extend_schema(
        operation_id="handoff_documents_retrieve",
        responses={200: HandoffDocumentOutputSerializer, **NOT_FOUND},
    )
    def get(self, request, document_id: int):
        """One generation: its status, progress by section, and once done its SHA-256, size,
        page count, manifest and `download_url`; once failed, its `error`."""
        document = selectors.document_get_for_user(user=request.user, pk=document_id)
        return Response(
            HandoffDocumentOutputSerializer(document, context={"request": request}).data
        )


class _JSONErrors(BaseContentNegotiation):
    """The download answers the PDF itself; anything else it answers (an error) is JSON,
    whatever the Accept header asks for (application/pdf included)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


class DocumentDownloadApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _JSONErrors

    @extend_schema(
        operation_id="handoff_documents_download",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The PDF, as an attachment; `Repr-Digest` carries its SHA-256.",
            ),
            **NOT_FOUND,
        },
    )
    def get(self, request, document_id: int):
        """The generated PDF (404 until the generation has succeeded)."""
        document = selectors.document_get_for_user(user=request.user, pk=document_id)
        return document_file_response(document)
