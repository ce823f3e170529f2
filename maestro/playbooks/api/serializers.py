from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maestro.engagements.api.serializers import UserSummarySerializer
from maestro.lib.accepted import StatusUrlField
from maestro.lib.serializers import (
    IdField,
    JobStatusDisplayField,
    JobStatusField,
    NumberField,
    ShareField,
    StrictInputSerializer,
)
from maestro.playbooks.models import DryRunJob, KnownCounterparty, PlaybookVersion
from maestro.playbooks.routing import MAX_RULES, RULE_KINDS
from maestro.playbooks.services import MAX_IMPORT_ROWS, dry_run_job_result

RULES_HELP = (
    "Ordered rules; each is an object with a `kind` and its parameters: "
    + ", ".join(f"`{kind}`" for kind in RULE_KINDS)
    + ". `confidence_below` takes an optional `threshold` (a share: a fraction from 0 to 1 as "
    'a decimal string, e.g. "0.8000"; at most 4 places); `category_in` takes '
    "`categories` (list of names, case-insensitive); `amount_above` takes `amount` (decimal "
    "string) and `currency` (3 letters). Every matching rule sends the decision to a human."
)


class PlaybookDocumentSerializer(serializers.Serializer):
    rules = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
    sla = serializers.CharField()
    chain = serializers.CharField()


class RulesOutputField(serializers.ListField):
    """The stored rules, with each `threshold` written as a share ("0.7000" whether it was
    saved as "0.7" or 0.70), like every other share in the API."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.DictField(), **kwargs)

    def to_representation(self, data):
        share = ShareField()
        return [
            {**rule, "threshold": share.to_representation(rule["threshold"])}
            if rule.get("threshold") not in (None, "")
            else rule
            for rule in data
        ]


class PlaybookVersionOutputSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True)
    default_threshold = ShareField(read_only=True)
    rules = RulesOutputField(help_text=RULES_HELP)
    escalation_chain = serializers.ListField(child=serializers.IntegerField())
    process = serializers.IntegerField(source="playbook.process_id", read_only=True)

    class Meta:
        model = PlaybookVersion
        fields = [
            "id",
            "process",
            "number",
            "default_threshold",
            "rules",
            "sla_minutes",
            "escalation_chain",
            "message",
            "created_by",
            "created_at",
        ]


class PlaybookVersionDetailOutputSerializer(PlaybookVersionOutputSerializer):
    document = PlaybookDocumentSerializer(
        read_only=True, help_text="The version as plain sentences."
    )

    class Meta(PlaybookVersionOutputSerializer.Meta):
        fields = [*PlaybookVersionOutputSerializer.Meta.fields, "document"]


class PlaybookOutputSerializer(serializers.Serializer):
    process = serializers.IntegerField()
    versions = serializers.IntegerField(help_text="How many versions were saved.")
    current = PlaybookVersionDetailOutputSerializer(
        allow_null=True, help_text="The newest version (it routes new decisions); null if none."
    )


class PlaybookVersionCreateInputSerializer(StrictInputSerializer):
    default_threshold = ShareField(places=2, help_text="Stored with 2 decimal places.")
    rules = serializers.ListField(
        child=serializers.DictField(), max_length=MAX_RULES, allow_empty=True, help_text=RULES_HELP
    )
    sla_minutes = serializers.IntegerField(min_value=1, max_value=60 * 24 * 30)
    escalation_chain = serializers.ListField(
        child=IdField(),
        required=False,
        default=list,
        help_text="User ids, in order: operators or consultants of the engagement.",
    )
    message = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    base_version = NumberField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The version you edited; a newer one saved meanwhile is a 409 conflict.",
    )


class PlaybookDryRunInputSerializer(StrictInputSerializer):
    training_round = IdField(help_text="A training round of this process.")
    version = NumberField(
        required=False, allow_null=True, default=None, help_text="Version number; default newest."
    )


class DryRunReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = ShareField(stored_as="percent", allow_null=True, help_text="Share of the cases.")


class PlaybookDryRunOutputSerializer(serializers.Serializer):
    version_number = serializers.IntegerField()
    round_id = serializers.IntegerField()
    cases = serializers.IntegerField()
    human = serializers.IntegerField()
    human_share = ShareField(stored_as="percent", allow_null=True, help_text="Share of the cases.")
    auto = serializers.IntegerField()
    auto_share = ShareField(stored_as="percent", allow_null=True, help_text="Share of the cases.")
    auto_correct = serializers.IntegerField()
    auto_accuracy = ShareField(
        stored_as="percent",
        allow_null=True,
        help_text="Share of the auto-routed cases the agent got right.",
    )
    reasons = DryRunReasonSerializer(many=True)


# The words this API has answered since it was published, where the shared job vocabulary
# (maestro.lib.jobs) differs: a dry run that succeeded is `done` here.
DRY_RUN_JOB_PUBLISHED_STATUSES = DryRunJob.PUBLISHED_STATUSES


class PlaybookDryRunJobOutputSerializer(serializers.ModelSerializer):
    process = serializers.IntegerField(source="version.playbook.process_id")
    version = serializers.IntegerField(source="version.number", help_text="Version number.")
    status = JobStatusField(published=DRY_RUN_JOB_PUBLISHED_STATUSES)
    status_display = JobStatusDisplayField(published=DRY_RUN_JOB_PUBLISHED_STATUSES)
    result = serializers.SerializerMethodField(
        help_text="The dry run's figures once `status` is `done`; null before and on failure."
    )
    status_url = StatusUrlField(
        view_name="playbooks-api:playbook-dry-run-job",
        url_kwargs=lambda job: {"process_id": job.version.playbook.process_id, "job_id": job.pk},
    )

    class Meta:
        model = DryRunJob
        fields = [
            "id",
            "process",
            "version",
            "training_round",
            "status",
            "status_display",
            "cases_done",
            "cases_total",
            "result",
            "error",
            "status_url",
            "created_at",
            "started_at",
            "finished_at",
        ]

    @extend_schema_field(PlaybookDryRunOutputSerializer(allow_null=True))
    def get_result(self, job: DryRunJob) -> dict | None:
        result = dry_run_job_result(job=job)
        return PlaybookDryRunOutputSerializer(result).data if result is not None else None


# --- known counterparties -----------------------------------------------------------------------


class KnownCounterpartyOutputSerializer(serializers.ModelSerializer):
    added_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = KnownCounterparty
        fields = ["id", "process", "name", "source", "added_by", "first_seen_at"]
        extra_kwargs = {
            "source": {
                "help_text": "Where it is known from: `live` (the process's first live "
                "decision with it), `dataset` (an evaluation dataset's cases), `added` (a "
                "consultant, one by one or from a CSV file)."
            },
            "first_seen_at": {"help_text": "Known since."},
        }


class KnownCounterpartyCreateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(
        max_length=KnownCounterparty.MAX_NAME_LENGTH,
        help_text="Exactly as the agent posts it (`counterparty`); surrounding spaces are dropped.",
    )


class KnownCounterpartyImportInputSerializer(StrictInputSerializer):
    file = serializers.FileField(
        help_text="CSV, UTF-8 (a BOM is fine), a header line with a `name` column (other "
        f"columns are ignored), at most {MAX_IMPORT_ROWS:,} rows."
    )


class KnownCounterpartyImportOutputSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text="Data rows in the file.")
    added = serializers.IntegerField(help_text="Names that were not known before.")
    already_known = serializers.IntegerField(help_text="Names known before (left as they were).")
