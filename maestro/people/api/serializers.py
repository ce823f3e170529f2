from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maestro.engagements.api.serializers import ClientOutputSerializer
from maestro.engagements.models import Engagement, Phase
from maestro.lib.serializers import StrictInputSerializer
from maestro.people.models import Invitation
from maestro.tenancy.models import Membership, User


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "email"]

    def get_name(self, obj: User) -> str:
        return obj.get_full_name()

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email(self, obj: User) -> str | None:
        # Consultants and staff see addresses; a client's operators and sponsors do not.
        return obj.email if self.context.get("see_details") else None


class MembershipOutputSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)
    client = serializers.IntegerField(source="client_id", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "client", "user", "role", "active", "created_at", "deactivated_at"]

    def get_active(self, obj: Membership) -> bool:
        return obj.deactivated_at is None


class MembershipListQuerySerializer(StrictInputSerializer):
    include_deactivated = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also list former members (consultants and staff only; ignored otherwise).",
    )


class MembershipRoleInputSerializer(StrictInputSerializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class ReviewTaskMovedSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="task.pk")
    engagement = serializers.IntegerField(source="task.engagement_id")
    to_user = PersonSerializer(allow_null=True)


class ProcessFlagSerializer(serializers.Serializer):
    process = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    engagement = serializers.IntegerField(source="engagement_id")
    playbook_url = serializers.SerializerMethodField()

    def get_playbook_url(self, obj) -> str:
        return reverse("playbooks:detail", args=[obj.pk])


class MembershipChangeOutputSerializer(serializers.Serializer):
    membership = MembershipOutputSerializer()
    review_tasks_reassigned = ReviewTaskMovedSerializer(source="handed_over", many=True)
    escalation_chains_naming = ProcessFlagSerializer(
        source="playbooks_naming",
        many=True,
        help_text="Processes whose current playbook names this person in its escalation chain: "
        "the playbook page flags them; edit the chain.",
    )


class InvitationOutputSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id", read_only=True)
    invited_by = PersonSerializer(read_only=True)
    state = serializers.ChoiceField(
        choices=["pending", "expired", "accepted", "revoked"],
        read_only=True,
        help_text="The status with expiry applied: a pending invitation whose link is past "
        "its lifetime is `expired` (re-send it for a new link).",
    )
    expires_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "client",
            "email",
            "role",
            "state",
            "invited_by",
            "created_at",
            "sent_at",
            "send_count",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]


class InvitationCreateInputSerializer(StrictInputSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class InvitationAcceptInputSerializer(StrictInputSerializer):
    token = serializers.CharField(
        max_length=500, help_text="The value after /invitations/ in the link."
    )
    username = serializers.CharField(max_length=150, required=False, default="")
    first_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    password = serializers.CharField(
        max_length=4096,
        required=False,
        default="",
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
    )


class InvitationAcceptOutputSerializer(serializers.Serializer):
    user = PersonSerializer()
    membership = MembershipOutputSerializer()
    token = serializers.CharField(
        allow_null=True,
        help_text="An API token for the new account (null when an existing account accepted).",
    )
    expires_at = serializers.DateTimeField(allow_null=True)


class MeEngagementSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="engagement.pk")
    name = serializers.CharField(source="engagement.name")
    client = serializers.IntegerField(source="engagement.client_id")
    phase = serializers.ChoiceField(choices=Phase.choices, source="engagement.phase")
    stance = serializers.ChoiceField(choices=Engagement.Stance.choices, source="engagement.stance")
    can = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="`read` (always), `work` (review tasks, edge cases, runbooks: its consultants "
        "and the client's operators), `manage` (change it, move its phase: its consultants).",
    )


class MeMembershipSerializer(serializers.ModelSerializer):
    client = ClientOutputSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "client", "role", "created_at"]


class MeCanSerializer(serializers.Serializer):
    create_clients = serializers.BooleanField(help_text="POST /api/clients/ (consultants, staff).")
    invite_consultants = serializers.BooleanField(help_text="Staff only.")
    manage_people_of = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ids of the clients whose operators and sponsors you invite, change and "
        "deactivate.",
    )


class MeUserSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "is_staff"]

    def get_name(self, obj: User) -> str:
        return obj.get_full_name()


class MeOutputSerializer(serializers.Serializer):
    user = MeUserSerializer()
    memberships = MeMembershipSerializer(many=True)
    engagements = MeEngagementSerializer(many=True)
    can = MeCanSerializer()
