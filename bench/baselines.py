"""Bare DRF endpoints: what the same rows cost with no scoping, filters or nesting."""

from rest_framework import generics, serializers

from maestro.engagements.models import Engagement


class BareEngagementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Engagement
        fields = [
            "id",
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


class BareEngagementListApi(generics.ListAPIView):
    serializer_class = BareEngagementSerializer
    queryset = Engagement.objects.prefetch_related("members").order_by("pk")
    filter_backends: list = []
