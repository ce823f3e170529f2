from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maestro.engagements.models import Engagement, Phase, PhaseTransition
from maestro.lib.serializers import (
    OutputModelSerializer,
    RepresentOnceMixin,
    ShareField,
    StrictInputSerializer,
)
from maestro.lib.timezones import time_zone_validate
from maestro.tenancy.models import Client, PaperSize, User


class UserSummarySerializer(RepresentOnceMixin, OutputModelSerializer):
    # A method field, not source="get_full_name": DRF inspects a callable source's signature
    # on every row, which doubled the engagement list's serialisation time.
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]

    def get_name(self, obj: User) -> str:
        return obj.get_full_name()


class ClientOutputSerializer(RepresentOnceMixin, OutputModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "slug", "time_zone", "paper_size", "created_at"]


class _TimeZoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("validators", [time_zone_validate])
        kwargs.setdefault(
            "help_text",
            "An IANA time zone (Europe/Lisbon): the client's days and weeks. Defaults to the "
            "server's DJANGO_TIME_ZONE.",
        )
        super().__init__(**kwargs)


class ClientCreateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80)
    time_zone = _TimeZoneField(required=False)


class ClientUpdateInputSerializer(StrictInputSerializer):
    time_zone = _TimeZoneField(required=False)
    paper_size = serializers.ChoiceField(
        choices=PaperSize.choices,
        required=False,
        help_text="The paper the handoff PDF is laid out for: `a4` or `letter` (US Letter).",
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                "Give the time_zone, the paper_size or both.", code="nothing_to_change"
            )
        return attrs


class EngagementOutputSerializer(OutputModelSerializer):
    client = ClientOutputSerializer(read_only=True)
    lead = UserSummarySerializer(read_only=True)
    members = UserSummarySerializer(many=True, read_only=True)
    target_accuracy = ShareField(stored_as="percent", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Engagement
        fields = [
            "id",
            "url",
            "client",
            "name",
            "description",
            "lead",
            "members",
            "target_accuracy",
            "phase",
            "stance",
            "phase_changed_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField())
    def get_url(self, obj: Engagement) -> str:
        # Resolved once per response: the page's other URLs differ only in the id.
        template = self.__dict__.get("_url_template")
        if template is None:
            marker = 918273645
            template = Engagement(pk=marker).get_absolute_url().replace(str(marker), "{}")
            self._url_template = template
        return template.format(obj.pk)


class _EngagementFieldsMixin(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True)
    target_accuracy = ShareField(stored_as="percent", required=False, help_text='Default "0.8500".')


class EngagementCreateInputSerializer(_EngagementFieldsMixin, StrictInputSerializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    name = serializers.CharField(max_length=200)
    lead = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="Defaults to the caller.",
    )
    members = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only clients the caller can see are valid choices; others read as "does not exist".
        if clients is not None:
            self.fields["client"].queryset = clients


class EngagementUpdateInputSerializer(_EngagementFieldsMixin, StrictInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    lead = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    members = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    stance = serializers.ChoiceField(choices=Engagement.Stance.choices, required=False)


class TransitionInputSerializer(StrictInputSerializer):
    to_phase = serializers.ChoiceField(choices=Phase.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    override = serializers.BooleanField(
        required=False, default=False, help_text="Move past a failing gate (needs a reason)."
    )
    override_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000
    )

    def validate(self, attrs):
        if attrs["override"] and not attrs["override_reason"].strip():
            raise serializers.ValidationError(
                {"override_reason": ["Overriding a gate needs a reason."]}
            )
        return attrs


class GateCheckOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    passed = serializers.BooleanField()
    detail = serializers.CharField()


class GateOutputSerializer(serializers.Serializer):
    from_phase = serializers.CharField()
    to_phase = serializers.CharField()
    forward = serializers.BooleanField()
    passed = serializers.BooleanField()
    checks = GateCheckOutputSerializer(many=True)


class TransitionOutputSerializer(serializers.ModelSerializer):
    by = UserSummarySerializer(read_only=True)
    gate_results = GateCheckOutputSerializer(many=True, read_only=True)

    class Meta:
        model = PhaseTransition
        fields = [
            "id",
            "from_phase",
            "to_phase",
            "by",
            "at",
            "note",
            "override_reason",
            "overridden",
            "gate_results",
        ]
