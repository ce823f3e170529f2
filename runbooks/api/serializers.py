from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maestro.engagements.api.serializers import UserSummarySerializer
from maestro.engagements.models import Engagement
from maestro.lib.serializers import StrictInputSerializer
from maestro.mapping.models import Process
from runbooks.models import Runbook, RunbookRun, RunbookVersion, RunStep
from runbooks.rendering import MAX_BODY_CHARS


class RunbookOutputSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True)
    published_version = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Runbook
        fields = [
            "id",
            "url",
            "engagement",
            "process",
            "title",
            "slug",
            "kind",
            "owner",
            "status",
            "head",
            "published_version",
            "has_unpublished_changes",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_published_version(self, obj: Runbook) -> int | None:
        return obj.published_version.number if obj.published_version else None

    @extend_schema_field(serializers.CharField())
    def get_url(self, obj: Runbook) -> str:
        return obj.get_absolute_url()


class RunbookDetailOutputSerializer(RunbookOutputSerializer):
    body = serializers.CharField(help_text="Markdown of the newest version (`head`).")
    html = serializers.CharField(help_text="The newest version rendered and sanitised.")
    toc = serializers.CharField(help_text="Sanitised table of contents, empty if no headings.")

    class Meta(RunbookOutputSerializer.Meta):
        fields = [*RunbookOutputSerializer.Meta.fields, "body", "html", "toc"]


class RunbookCreateInputSerializer(StrictInputSerializer):
    engagement = serializers.PrimaryKeyRelatedField(queryset=Engagement.objects.none())
    process = serializers.PrimaryKeyRelatedField(
        queryset=Process.objects.none(),
        required=False,
        allow_null=True,
        help_text="Optional: a process of the same engagement.",
    )
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80)
    kind = serializers.ChoiceField(choices=Runbook.Kind.choices, required=False)
    body = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_BODY_CHARS
    )
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def __init__(self, *args, engagements=None, **kwargs):
        super().__init__(*args, **kwargs)
        if engagements is not None:
            self.fields["engagement"].queryset = engagements
            self.fields["process"].queryset = Process.objects.filter(engagement__in=engagements)


class VersionOutputSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = RunbookVersion
        fields = [
            "number",
            "title",
            "message",
            "author",
            "created_at",
            "proposed",
            "restored_from",
        ]


class VersionDetailOutputSerializer(VersionOutputSerializer):
    body = serializers.CharField()
    html = serializers.CharField(help_text="This version rendered and sanitised.")

    class Meta(VersionOutputSerializer.Meta):
        fields = [*VersionOutputSerializer.Meta.fields, "body", "html"]


class VersionCreateInputSerializer(StrictInputSerializer):
    base_version = serializers.IntegerField(
        min_value=0,
        help_text="The version number the edit started from (the runbook's `head` when read).",
    )
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(allow_blank=True, max_length=MAX_BODY_CHARS)
    message = serializers.CharField(max_length=500)


class RestoreInputSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The old version to bring back.")
    base_version = serializers.IntegerField(min_value=0, help_text="As for saving a version.")
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class PublishInputSerializer(StrictInputSerializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="Defaults to the newest version."
    )


class DiffQuerySerializer(serializers.Serializer):
    old = serializers.IntegerField(min_value=1, help_text="Number of the older version.")
    new = serializers.IntegerField(min_value=1, help_text="Number of the newer version.")


class DiffOutputSerializer(serializers.Serializer):
    old = VersionOutputSerializer()
    new = VersionOutputSerializer()
    unified = serializers.CharField(help_text="Unified diff of title and body (plain text).")


class StepOutputSerializer(serializers.ModelSerializer):
    done_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = RunStep
        fields = ["id", "position", "text", "done", "done_by", "done_at", "note"]


class RunOutputSerializer(serializers.ModelSerializer):
    started_by = UserSummarySerializer(read_only=True)
    finished_by = UserSummarySerializer(read_only=True, allow_null=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = RunbookRun
        fields = [
            "id",
            "runbook",
            "version",
            "status",
            "started_by",
            "started_at",
            "finished_by",
            "finished_at",
            "note",
        ]


class RunDetailOutputSerializer(RunOutputSerializer):
    steps = StepOutputSerializer(many=True, read_only=True)

    class Meta(RunOutputSerializer.Meta):
        fields = [*RunOutputSerializer.Meta.fields, "steps"]


class StepUpdateInputSerializer(StrictInputSerializer):
    done = serializers.BooleanField(required=False, help_text="Tick (true) or untick (false).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send `done`, `note` or both.")
        return attrs


class RunFinishInputSerializer(StrictInputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
