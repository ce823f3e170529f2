"""Bare DRF endpoints: what the same rows cost with no scoping, filters or nesting."""

from rest_framework import generics, serializers

from maestro.engagements.api.serializers import EngagementOutputSerializer
from maestro.engagements.models import Engagement


class BareEngagementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Engagement
        # The same fields as the product's list, as plain ids instead of nested objects.
        fields = [f for f in EngagementOutputSerializer.Meta.fields if f != "url"]


class BareEngagementListApi(generics.ListAPIView):
    serializer_class = BareEngagementSerializer
    filter_backends: list = []

    def get_queryset(self):
        # The benchmark's own client only: a database given with BENCH_DATABASE_URL keeps the
        # rows of earlier runs.
        client = self.request.GET["client"]
        return (
            Engagement.objects.filter(client_id=client).prefetch_related("members").order_by("pk")
        )
