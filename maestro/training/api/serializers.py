from rest_framework import serializers

from maestro.lib.accepted import StatusUrlField
from maestro.lib.serializers import JobStatusField, ShareField, StrictInputSerializer
from maestro.training.importers import FORMATS
from maestro.training.models import (
    EvaluationCase,
    EvaluationDataset,
    FailureReview,
    GateCriteria,
    ImportJob,
    TrainingRound,
)


class DatasetOutputSerializer(serializers.ModelSerializer):
    engagement = serializers.IntegerField(source="process.engagement_id", read_only=True)
    case_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = EvaluationDataset
        fields = ["id", "process", "engagement", "name", "case_count", "created_at"]


class DatasetCreateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)


class ImportInputSerializer(StrictInputSerializer):
    file = serializers.FileField(
        help_text="CSV (with a header line) or JSONL, UTF-8, named .csv, .jsonl, .ndjson or "
        ".json (or give `format`); at most MAESTRO_UPLOAD_MAX_BYTES."
    )
    format = serializers.ChoiceField(
        choices=FORMATS, required=False, help_text="Taken from the file name if left out."
    )


# The words this API has answered since it was published, where the shared job vocabulary
# (maestro.lib.jobs) differs: a queued import is `pending` here.
IMPORT_JOB_PUBLISHED_STATUSES = ImportJob.PUBLISHED_STATUSES


class ImportJobOutputSerializer(serializers.ModelSerializer):
    # The job's training_round, under the name this API has always used.
    round = serializers.PrimaryKeyRelatedField(
        source="training_round",
        queryset=TrainingRound.objects.all(),
        allow_null=True,
        required=False,
    )
    status = JobStatusField(published=IMPORT_JOB_PUBLISHED_STATUSES)
    status_url = StatusUrlField(
        view_name="training-api:import-job", url_kwargs=lambda job: {"job_id": job.pk}
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "dataset",
            "round",
            "kind",
            "status",
            "phase",
            "rows_total",
            "rows_done",
            "rows_written",
            "errors",
            "status_url",
            "created_at",
            "finished_at",
        ]


class RoundOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingRound
        fields = ["id", "dataset", "number", "date", "what_changed", "created_at"]


class RoundCreateInputSerializer(StrictInputSerializer):
    date = serializers.DateField()
    what_changed = serializers.CharField(
        required=False, allow_blank=True, max_length=20_000,
        help_text="What changed since the last round: instructions, examples, context.",
    )  # fmt: skip


class CategoryMetricSerializer(serializers.Serializer):
    category = serializers.CharField()
    total = serializers.IntegerField()
    correct = serializers.IntegerField()
    misses = serializers.IntegerField()
    with_output = serializers.IntegerField()
    accuracy = ShareField(stored_as="percent", allow_null=True)


class ConfusionCellSerializer(serializers.Serializer):
    predicted = serializers.CharField()
    n = serializers.IntegerField()
    hit = serializers.BooleanField()


class ConfusionRowSerializer(serializers.Serializer):
    actual = serializers.CharField()
    cells = ConfusionCellSerializer(many=True)


class ConfusionSerializer(serializers.Serializer):
    actual = serializers.ListField(child=serializers.CharField())
    predicted = serializers.ListField(child=serializers.CharField())
    rows = ConfusionRowSerializer(many=True)
    peak = serializers.IntegerField()


class CalibrationBandSerializer(serializers.Serializer):
    low = ShareField(help_text="The band's lowest confidence.")
    high = ShareField(help_text="The confidence the band stops below (1 included in the last).")
    n = serializers.IntegerField()
    correct = serializers.IntegerField()
    accuracy = ShareField(stored_as="percent", allow_null=True)


class SweepPointSerializer(serializers.Serializer):
    threshold = ShareField()
    auto = serializers.IntegerField()
    human = serializers.IntegerField()
    escalation_rate = ShareField(stored_as="percent", allow_null=True)
    auto_accuracy = ShareField(stored_as="percent", allow_null=True)


class CauseCountSerializer(serializers.Serializer):
    cause = serializers.CharField()
    label = serializers.CharField()
    n = serializers.IntegerField()


class RoundMetricsOutputSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    correct = serializers.IntegerField()
    with_output = serializers.IntegerField()
    accuracy = ShareField(stored_as="percent", allow_null=True)
    categories = CategoryMetricSerializer(many=True)
    confusion = ConfusionSerializer()
    calibration = CalibrationBandSerializer(many=True)
    threshold_sweep = SweepPointSerializer(many=True)
    failure_causes = CauseCountSerializer(many=True)


class FailureOutputSerializer(serializers.ModelSerializer):
    predicted = serializers.CharField(allow_null=True, read_only=True)
    confidence = ShareField(allow_null=True, read_only=True)
    cause = serializers.CharField(allow_null=True, read_only=True)
    note = serializers.CharField(allow_null=True, read_only=True)

    class Meta:
        model = EvaluationCase
        fields = [
            "id",
            "case_ref",
            "category",
            "input",
            "correct_outcome",
            "predicted",
            "confidence",
            "cause",
            "note",
        ]


class CaseCompareSerializer(serializers.ModelSerializer):
    predicted_before = serializers.CharField(
        allow_null=True, read_only=True, help_text="What the `before` round predicted."
    )
    predicted_after = serializers.CharField(
        allow_null=True, read_only=True, help_text="What the `after` round predicted."
    )

    class Meta:
        model = EvaluationCase
        fields = [
            "id",
            "case_ref",
            "category",
            "correct_outcome",
            "predicted_before",
            "predicted_after",
        ]


class RoundCompareQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=[("forward", "forward"), ("backward", "backward")],
        default="forward",
        help_text="forward (default): from the earlier round to the later one, whatever the "
        "order of the two ids in the path; backward: from the later to the earlier.",
    )


class RoundBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingRound
        fields = ["id", "number", "date"]


class CategoryChangeSerializer(serializers.Serializer):
    category = serializers.CharField()
    total = serializers.IntegerField()
    accuracy_before = serializers.FloatField(allow_null=True, help_text="Percent.")
    accuracy_after = serializers.FloatField(allow_null=True, help_text="Percent.")
    change = serializers.FloatField(allow_null=True, help_text="Percentage points, after − before.")


class RoundCompareOutputSerializer(serializers.Serializer):
    direction = serializers.CharField()
    before = RoundBriefSerializer()
    after = RoundBriefSerializer()
    accuracy_before = serializers.FloatField(allow_null=True, help_text="Percent.")
    accuracy_after = serializers.FloatField(allow_null=True, help_text="Percent.")
    accuracy_change = serializers.FloatField(
        allow_null=True, help_text="Percentage points, after − before."
    )
    categories = CategoryChangeSerializer(many=True)
    fixed = CaseCompareSerializer(many=True, help_text="Wrong in `before`, right in `after`.")
    regressed = CaseCompareSerializer(many=True, help_text="Right in `before`, wrong in `after`.")


class FailureReviewInputSerializer(StrictInputSerializer):
    cause = serializers.ChoiceField(choices=FailureReview.Cause.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class FailureReviewOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = FailureReview
        fields = ["id", "round", "case", "cause", "note", "updated_at"]


class GateCriteriaSerializer(serializers.ModelSerializer):
    category_minimums = serializers.DictField(
        child=ShareField(stored_as="percent"), help_text="Minimum accuracy per category."
    )

    class Meta:
        model = GateCriteria
        fields = ["category_minimums", "critical_categories", "max_critical_misses"]


class GateCriteriaInputSerializer(StrictInputSerializer):
    category_minimums = serializers.DictField(
        child=ShareField(stored_as="percent"),
        required=False,
        help_text='Minimum accuracy per category, e.g. {"purchase over $10,000": "0.9000"}.',
    )
    critical_categories = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=200
    )
    max_critical_misses = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
