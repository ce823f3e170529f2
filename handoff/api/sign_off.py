"""Handoff document sign-offs in the API: sign off a generation (the client's sponsors and
operators) and list a generation's sign-offs. Scoped through the selectors: a document of an
engagement the caller may not see is a 404."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from handoff.models import HandoffSignOff
from handoff.selectors import sign_offs as selectors
from handoff.services.sign_off import handoff_document_sign
from maestro.engagements.api.serializers import UserSummarySerializer
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.lib.serializers import OutputModelSerializer

SIGN_OFF_CONFLICT = OpenApiResponse(
    description="Nothing signed: you signed this version already (`already_signed`), its "
    "generation did not succeed (`document_not_ready`), or a newer version replaced it "
    "(`document_superseded`)."
)
NOT_SIGNATORY = OpenApiResponse(
    description="Only the client's sponsors and operators sign off (`not_signatory`)."
)


class HandoffSignOffOutputSerializer(OutputModelSerializer):
    signed_by = UserSummarySerializer()
    version = serializers.IntegerField(source="document.version", read_only=True)

    class Meta:
        model = HandoffSignOff
        fields = ["id", "document", "version", "signed_by", "role", "sha256", "signed_at"]


class HandoffDocumentSignOffApi(APIView):
    @extend_schema(
        operation_id="handoff_documents_sign_off",
        request=None,
        responses={
            201: HandoffSignOffOutputSerializer,
            **ERROR_RESPONSES,
            403: NOT_SIGNATORY,
            409: SIGN_OFF_CONFLICT,
        },
    )
    def post(self, request, document_id: int):
        """Sign off this generation of the handoff PDF as the client's sponsor or one of its
        operators (the role is recorded), for the SHA-256 of its file. Once per person; only
        the latest succeeded version; a newer version needs a new sign-off."""
        document = selectors.handoff_document_get_for_user(user=request.user, pk=document_id)
        sign_off = handoff_document_sign(document=document, user=request.user)
        return Response(
            HandoffSignOffOutputSerializer(sign_off).data, status=status.HTTP_201_CREATED
        )


class HandoffDocumentSignOffListApi(generics.ListAPIView):
    """The sign-offs of one generation of the handoff PDF, oldest first."""

    serializer_class = HandoffSignOffOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        document = selectors.handoff_document_get_for_user(
            user=self.request.user, pk=self.kwargs["document_id"]
        )
        return (
            selectors.sign_off_list(document=document)
            .select_related("document")
            .order_by("signed_at", "pk")
        )

    @extend_schema(operation_id="handoff_documents_sign_offs_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
