"""Escalation playbook API: read the current version and the history (anyone who sees the
process), save a new version (the engagement's consultants), dry-run against a training round."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import filters, generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.lib.accepted import accepted
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.lib.uploads import MultiPartParser
from maestro.playbooks import selectors, services
from maestro.playbooks.api import serializers as s
from maestro.playbooks.models import KnownCounterparty, PlaybookVersion

CONFLICT = OpenApiResponse(
    description="A newer version was saved after `base_version` (code `version_conflict`)."
)
NOT_FOUND = {404: ERROR_RESPONSES[404]}


def _detail(version: PlaybookVersion, engagement_id: int) -> dict:
    version.document = selectors.playbook_version_document(  # type: ignore[attr-defined]
        version=version, engagement_id=engagement_id
    )
    return s.PlaybookVersionDetailOutputSerializer(version).data


class PlaybookDetailApi(APIView):
    @extend_schema(responses={200: s.PlaybookOutputSerializer, **NOT_FOUND})
    def get(self, request, process_id: int):
        """The process's playbook: the current version (with its readable document) and how
        many versions exist. `current` is null until a consultant saves the first one."""
        process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
        current = selectors.playbook_version_current(process=process)
        return Response(
            {
                "process": process.pk,
                # Numbers run 1..n without gaps (versions are never deleted one by one).
                "versions": current.number if current else 0,
                "current": _detail(current, process.engagement_id) if current else None,
            }
        )


class PlaybookVersionListApi(generics.ListAPIView):
    serializer_class = s.PlaybookVersionOutputSerializer
    queryset = PlaybookVersion.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        process = selectors.playbook_process_get_for_user(
            user=self.request.user, pk=self.kwargs["process_id"]
        )
        return selectors.playbook_version_list(process=process)

    @extend_schema(responses={200: s.PlaybookVersionOutputSerializer(many=True), **NOT_FOUND})
    def get(self, request, *args, **kwargs):
        """Every saved version, newest first (old versions stay readable)."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.PlaybookVersionCreateInputSerializer,
        responses={201: s.PlaybookVersionDetailOutputSerializer, 409: CONFLICT, **ERROR_RESPONSES},
    )
    def post(self, request, process_id: int):
        """Save a new version (creates the playbook on the first save). Consultants only;
        rule errors name the rule number and field."""
        process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
        serializer = s.PlaybookVersionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.playbook_version_create(
            process=process, by=request.user, **serializer.validated_data
        )
        return Response(_detail(version, process.engagement_id), status=status.HTTP_201_CREATED)


class PlaybookVersionDetailApi(APIView):
    @extend_schema(responses={200: s.PlaybookVersionDetailOutputSerializer, **NOT_FOUND})
    def get(self, request, process_id: int, number: int):
        """One version, old or current, with its readable document."""
        process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
        version = selectors.playbook_version_get(process=process, number=number)
        return Response(_detail(version, process.engagement_id))


class PlaybookDryRunApi(APIView):
    @extend_schema(
        request=s.PlaybookDryRunInputSerializer,
        responses={202: s.PlaybookDryRunJobOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, process_id: int):
        """Queue a dry run: route a training round's cases with a version (default: the
        newest) and report how many would go to humans, why, and the accuracy of the rest.
        Answers 202 with the job; poll its `status_url` for progress and, once `done`, the
        `result`. Routes nothing live and saves no decision. The engagement's consultants and
        the client's operators start dry runs; a sponsor gets 403 (`read_only`)."""
        process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
        serializer = s.PlaybookDryRunInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        training_round = (
            selectors.playbook_rounds(process=process).filter(pk=data["training_round"]).first()
        )
        if training_round is None:
            raise ValidationError({"training_round": ["Not a training round of this process."]})
        version = None
        if data["version"] is not None:
            version = (
                selectors.playbook_version_list(process=process)
                .filter(number=data["version"])
                .first()
            )
            if version is None:
                raise ValidationError({"version": ["This playbook has no such version."]})
        job = services.dry_run_job_create(
            process=process, training_round=training_round, version=version, by=request.user
        )
        return accepted(s.PlaybookDryRunJobOutputSerializer(job, context={"request": request}).data)


class PlaybookDryRunJobApi(APIView):
    @extend_schema(responses={200: s.PlaybookDryRunJobOutputSerializer, **NOT_FOUND})
    def get(self, request, process_id: int, job_id: int):
        """A dry run's status (`queued`, `running`, `done`, `failed`), its progress (cases
        done of cases total), then its `result` or its `error`."""
        process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
        job = selectors.dry_run_job_get(process=process, pk=job_id)
        return Response(s.PlaybookDryRunJobOutputSerializer(job, context={"request": request}).data)


# --- known counterparties -----------------------------------------------------------------------

ALREADY_KNOWN = OpenApiResponse(
    description="The name is already known for this process (`counterparty_already_known`)."
)
NOT_MULTIPART = OpenApiResponse(
    description="The body is not multipart/form-data (`unsupported_media_type`)."
)


class KnownCounterpartyListApi(generics.ListAPIView):
    serializer_class = s.KnownCounterpartyOutputSerializer
    queryset = KnownCounterparty.objects.none()  # for the schema; requests use get_queryset
    filter_backends = [filters.SearchFilter]
    search_fields = ["name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        process = selectors.playbook_process_get_for_user(
            user=self.request.user, pk=self.kwargs["process_id"]
        )
        return selectors.known_counterparty_list(process=process)

    @extend_schema(
        responses={200: s.KnownCounterpartyOutputSerializer(many=True), **NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        """The counterparties routing treats as seen before for this process, by name
        (`search` finds a part of a name). The playbook's `new_counterparty` rule sends a
        decision whose counterparty is not among them to a human."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.KnownCounterpartyCreateInputSerializer,
        responses={201: s.KnownCounterpartyOutputSerializer, 409: ALREADY_KNOWN, **ERROR_RESPONSES},
    )
    def post(self, request, process_id: int):
        """Add a name (the engagement's consultants); 409 when it is already known."""
        process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
        serializer = s.KnownCounterpartyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        counterparty = services.known_counterparty_add(
            process=process, by=request.user, **serializer.validated_data
        )
        return Response(
            s.KnownCounterpartyOutputSerializer(counterparty).data, status=status.HTTP_201_CREATED
        )


class KnownCounterpartyDetailApi(APIView):
    @extend_schema(responses={200: s.KnownCounterpartyOutputSerializer, **NOT_FOUND})
    def get(self, request, counterparty_id: int):
        """One known counterparty: its name, where it is known from, who added it and since
        when."""
        counterparty = selectors.known_counterparty_get_for_user(
            user=request.user, pk=counterparty_id
        )
        return Response(s.KnownCounterpartyOutputSerializer(counterparty).data)

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, counterparty_id: int):
        """Forget a name (the engagement's consultants): the process's next decision with it
        is routed as a new counterparty."""
        counterparty = selectors.known_counterparty_get_for_user(
            user=request.user, pk=counterparty_id
        )
        services.known_counterparty_remove(counterparty=counterparty, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class KnownCounterpartyImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]  # 400 on `file` for one over the limit

    @extend_schema(
        request={"multipart/form-data": s.KnownCounterpartyImportInputSerializer},
        responses={
            200: s.KnownCounterpartyImportOutputSerializer,
            **ERROR_RESPONSES,
            415: NOT_MULTIPART,
        },
    )
    def post(self, request, process_id: int):
        """Add the names of a CSV file (the engagement's consultants), at once: every row is
        checked first, and one bad row refuses the file (400 `import_invalid`, `errors` naming
        each problem by line and row) with nothing written. Names already known stay."""
        process = selectors.playbook_process_get_for_user(user=request.user, pk=process_id)
        serializer = s.KnownCounterpartyImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.known_counterparties_import(
            process=process, upload=serializer.validated_data["file"], by=request.user
        )
        return Response(s.KnownCounterpartyImportOutputSerializer(result).data)
