from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.engagements.selectors import engagement_get_for_user
from maestro.exceptions import DomainError
from maestro.lib.accepted import accepted
from maestro.lib.openapi import ERROR_RESPONSES
from maestro.lib.uploads import MultiPartParser
from maestro.mapping.selectors import process_get_for_user
from maestro.training import filters, selectors, services
from maestro.training.api import serializers as s

NOT_FOUND = {404: ERROR_RESPONSES[404]}
UPLOAD_REFUSED = OpenApiResponse(
    description="The request is refused at once, nothing stored: field errors on `file` (none "
    "sent, empty, over MAESTRO_UPLOAD_MAX_BYTES, not a .csv/.jsonl/.ndjson/.json file without "
    "`format`) or `format`. Problems in the rows are reported by the job (`status` failed, "
    "`errors` by line)."
)
UPLOAD_RESPONSES = {**ERROR_RESPONSES, 400: UPLOAD_REFUSED}


# --- datasets ----------------------------------------------------------------------------------


class DatasetListApi(generics.ListAPIView):
    """Evaluation datasets of the engagements you can see, with their case counts."""

    serializer_class = s.DatasetOutputSerializer
    filterset_class = filters.DatasetFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.dataset_list_for_user(user=self.request.user).order_by("pk")


class DatasetCreateApi(APIView):
    @extend_schema(
        request=s.DatasetCreateInputSerializer,
        responses={201: s.DatasetOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, process_id: int):
        """Add an (empty) evaluation dataset to the process; import its cases next."""
        process = process_get_for_user(user=request.user, pk=process_id)
        serializer = s.DatasetCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dataset = services.dataset_create(
            process=process, by=request.user, **serializer.validated_data
        )
        dataset = selectors.dataset_get_for_user(user=request.user, pk=dataset.pk)
        return Response(s.DatasetOutputSerializer(dataset).data, status=status.HTTP_201_CREATED)


class DatasetDetailApi(APIView):
    @extend_schema(responses={200: s.DatasetOutputSerializer, **NOT_FOUND})
    def get(self, request, dataset_id: int):
        """One dataset with its case count."""
        dataset = selectors.dataset_get_for_user(user=request.user, pk=dataset_id)
        return Response(s.DatasetOutputSerializer(dataset).data)


class DatasetImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]  # 400 for a file over the upload limit

    @extend_schema(
        request={"multipart/form-data": s.ImportInputSerializer},
        responses={202: s.ImportJobOutputSerializer, **UPLOAD_RESPONSES},
    )
    def post(self, request, dataset_id: int):
        """Upload cases (CSV or JSONL). The import runs as a background job: 202 with the job
        and a `Location` header; poll its `status_url` for its progress, and for the error
        report (by line and field) if the file is refused."""
        dataset = selectors.dataset_get_for_user(user=request.user, pk=dataset_id)
        serializer = s.ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.import_job_create(
            dataset=dataset,
            upload=serializer.validated_data["file"],
            fmt=serializer.validated_data.get("format"),
            by=request.user,
        )
        return accepted(s.ImportJobOutputSerializer(job, context={"request": request}).data)


class ImportJobDetailApi(APIView):
    @extend_schema(responses={200: s.ImportJobOutputSerializer, **NOT_FOUND})
    def get(self, request, job_id: int):
        """An import job: status, progress (rows done of rows total) and its error report."""
        job = selectors.import_job_get_for_user(user=request.user, pk=job_id)
        return Response(s.ImportJobOutputSerializer(job, context={"request": request}).data)


# --- rounds ------------------------------------------------------------------------------------


class RoundListApi(generics.ListAPIView):
    """Training rounds of the datasets you can see."""

    serializer_class = s.RoundOutputSerializer
    filterset_class = filters.RoundFilter
    ordering_fields = ["number", "date", "created_at"]

    def get_queryset(self):
        return selectors.round_list_for_user(user=self.request.user).order_by("pk")


class RoundCreateApi(APIView):
    @extend_schema(
        request=s.RoundCreateInputSerializer,
        responses={201: s.RoundOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, dataset_id: int):
        """Start the next round of the dataset (numbered 1, 2, …); import its outputs next."""
        dataset = selectors.dataset_get_for_user(user=request.user, pk=dataset_id)
        serializer = s.RoundCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        training_round = services.round_create(
            dataset=dataset,
            round_date=data["date"],
            what_changed=data.get("what_changed", ""),
            by=request.user,
        )
        return Response(
            s.RoundOutputSerializer(training_round).data, status=status.HTTP_201_CREATED
        )


class RoundDetailApi(APIView):
    @extend_schema(responses={200: s.RoundOutputSerializer, **NOT_FOUND})
    def get(self, request, round_id: int):
        """One training round."""
        training_round = selectors.round_get_for_user(user=request.user, pk=round_id)
        return Response(s.RoundOutputSerializer(training_round).data)


class RoundOutputsImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]  # 400 for a file over the upload limit

    @extend_schema(
        request={"multipart/form-data": s.ImportInputSerializer},
        responses={202: s.ImportJobOutputSerializer, **UPLOAD_RESPONSES},
    )
    def post(self, request, round_id: int):
        """Upload the agent's outputs for the round (case_ref, predicted_outcome, confidence);
        they replace any earlier ones. Runs as a background job like the case import."""
        training_round = selectors.round_get_for_user(user=request.user, pk=round_id)
        serializer = s.ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.import_job_create(
            dataset=training_round.dataset,
            training_round=training_round,
            upload=serializer.validated_data["file"],
            fmt=serializer.validated_data.get("format"),
            by=request.user,
        )
        return accepted(s.ImportJobOutputSerializer(job, context={"request": request}).data)


class RoundMetricsApi(APIView):
    @extend_schema(responses={200: s.RoundMetricsOutputSerializer, **NOT_FOUND})
    def get(self, request, round_id: int):
        """Accuracy overall and per category, confusion matrix, calibration by confidence band,
        the what-if threshold sweep (0.50…0.95) and failure causes by count."""
        training_round = selectors.round_get_for_user(user=request.user, pk=round_id)
        metrics = selectors.round_metrics(training_round=training_round)
        data = {
            "total": metrics.total,
            "correct": metrics.correct,
            "with_output": metrics.with_output,
            "accuracy": metrics.accuracy,
            "categories": metrics.categories,
            "confusion": selectors.round_confusion(training_round=training_round),
            "calibration": selectors.round_calibration(training_round=training_round),
            "threshold_sweep": selectors.round_threshold_sweep(training_round=training_round),
            "failure_causes": selectors.round_failure_causes(training_round=training_round),
        }
        return Response(s.RoundMetricsOutputSerializer(data).data)


class RoundFailureListApi(generics.ListAPIView):
    """Cases the agent got wrong (or gave no output for) in the round, with input, expected,
    predicted, confidence and the consultant's cause and note."""

    serializer_class = s.FailureOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        training_round = selectors.round_get_for_user(
            user=self.request.user, pk=self.kwargs["round_id"]
        )
        return selectors.round_failures(training_round=training_round)


class FailureReviewSetApi(APIView):
    @extend_schema(
        request=s.FailureReviewInputSerializer,
        responses={200: s.FailureReviewOutputSerializer, **ERROR_RESPONSES},
    )
    def put(self, request, round_id: int, case_id: int):
        """Tag a failed case with its cause (missing context, ambiguous policy, wrong example,
        data error, other) and a note; tagging again replaces it."""
        training_round = selectors.round_get_for_user(user=request.user, pk=round_id)
        case = selectors.case_get_in_dataset(dataset_id=training_round.dataset_id, pk=case_id)
        serializer = s.FailureReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.failure_review_set(
            training_round=training_round,
            case=case,
            cause=serializer.validated_data["cause"],
            note=serializer.validated_data.get("note", ""),
            by=request.user,
        )
        return Response(s.FailureReviewOutputSerializer(review).data)


class RoundCompareApi(APIView):
    @extend_schema(
        parameters=[s.RoundCompareQuerySerializer],
        responses={200: s.RoundCompareOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, round_id: int, other_id: int):
        """From the earlier round to the later one (whatever the order of the ids; ask
        `direction=backward` for the other way): accuracy of both and its change, per category
        too, and the cases fixed (wrong before, right after) and regressed (right before, wrong
        after) with what each round predicted. Both rounds must be of the same dataset."""
        query = s.RoundCompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first = selectors.round_get_for_user(user=request.user, pk=round_id)
        second = selectors.round_get_for_user(user=request.user, pk=other_id)
        if first.dataset_id != second.dataset_id:
            raise DomainError(
                "The two rounds are of different datasets.", code="different_datasets"
            )
        direction = query.validated_data["direction"]
        before, after = selectors.round_compare_order(
            first=first, second=second, direction=direction
        )
        compared = selectors.round_compare(before=before, after=after)
        return Response(s.RoundCompareOutputSerializer({**compared, "direction": direction}).data)


# --- gate criteria -----------------------------------------------------------------------------


class GateCriteriaApi(APIView):
    @extend_schema(responses={200: s.GateCriteriaSerializer, **NOT_FOUND})
    def get(self, request, engagement_id: int):
        """What the latest round must meet to pass the training → deployment gate, beyond the
        engagement's target accuracy."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        criteria = selectors.gate_criteria_get(engagement=engagement)
        return Response(s.GateCriteriaSerializer(criteria).data)

    @extend_schema(
        request=s.GateCriteriaInputSerializer,
        responses={200: s.GateCriteriaSerializer, **ERROR_RESPONSES},
    )
    def put(self, request, engagement_id: int):
        """Set per-category minimums, the critical categories and their maximum misses."""
        engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
        serializer = s.GateCriteriaInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        criteria = services.gate_criteria_set(
            engagement=engagement,
            category_minimums=data.get("category_minimums", {}),
            critical_categories=data.get("critical_categories", []),
            max_critical_misses=data.get("max_critical_misses", 0),
            by=request.user,
        )
        return Response(s.GateCriteriaSerializer(criteria).data)
