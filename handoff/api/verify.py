"""Verifying a handoff PDF in the API: `POST /api/handoff-documents/verify/` with the file's
`sha256`, or the file itself (multipart, hashed as it streams in, never kept). Known: which
engagement and version it is and who signed it off. A file of an engagement the caller may not
see answers exactly as one Maestro never generated: 404."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from handoff.api.sign_off import HandoffSignOffOutputSerializer
from handoff.selectors.sign_offs import Verification, handoff_document_verify
from handoff.verification import verify_input_hash
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.lib.serializers import DateTimeField, StrictInputSerializer

UNKNOWN = "No handoff document you may see has this SHA-256."
SHA256_HELP = "The PDF's SHA-256: 64 hexadecimal characters (any case)."


class VerifyHashInputSerializer(StrictInputSerializer):
    sha256 = serializers.CharField(max_length=200, help_text=SHA256_HELP)


class VerifyUploadInputSerializer(StrictInputSerializer):
    """One of the two: the file, or its SHA-256."""

    file = serializers.FileField(
        required=False,
        help_text="The PDF itself, hashed as it arrives (at most MAESTRO_UPLOAD_MAX_BYTES).",
    )
    sha256 = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text=SHA256_HELP
    )


class _EngagementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    client = serializers.CharField(source="client.name")


class VerificationOutputSerializer(serializers.Serializer):
    sha256 = serializers.CharField(source="document.sha256")
    document = serializers.IntegerField(source="document.pk")
    version = serializers.IntegerField(source="document.version")
    engagement = _EngagementSerializer()
    generated_at = DateTimeField(source="document.finished_at", allow_null=True)
    is_latest = serializers.BooleanField(
        help_text="False when a newer version of the engagement's handoff PDF exists."
    )
    latest_version = serializers.IntegerField()
    signed_off = serializers.BooleanField(
        source="status.signed_off",
        help_text="Signed off by a sponsor and by every operator with a skill-transfer plan.",
    )
    sign_offs = HandoffSignOffOutputSerializer(source="status.sign_offs", many=True)


class HandoffDocumentVerifyApi(APIView):
    @extend_schema(
        operation_id="handoff_documents_verify",
        request={
            "application/json": VerifyHashInputSerializer,
            "multipart/form-data": VerifyUploadInputSerializer,
        },
        responses={
            200: VerificationOutputSerializer,
            **ERROR_RESPONSES,
            400: OpenApiResponse(
                description="Field errors: `sha256` not 64 hexadecimal characters, `file` "
                "empty or over MAESTRO_UPLOAD_MAX_BYTES; `non_field_errors` when neither or "
                "both are given."
            ),
            404: OpenApiResponse(
                description="Unknown document: no succeeded generation of an engagement you "
                "may see has this SHA-256 (the same answer whether it exists elsewhere or not)."
            ),
        },
    )
    def post(self, request):
        """Which engagement and version a handoff PDF is, and who signed it off."""
        serializer = VerifyUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # A Django ValidationError becomes field errors (or non_field_errors) in the handler.
        sha256 = verify_input_hash(sha256=data.get("sha256"), upload=data.get("file"))
        verification: Verification | None = handoff_document_verify(
            user=request.user, sha256=sha256
        )
        if verification is None:
            raise NotFound(UNKNOWN)
        return Response(VerificationOutputSerializer(verification).data)
