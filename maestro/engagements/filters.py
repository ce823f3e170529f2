import django_filters

from maestro.engagements.models import Engagement, Phase
from maestro.lib.filters import IdFilter


class EngagementFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id")
    client_slug = django_filters.CharFilter(field_name="client__slug")
    phase = django_filters.MultipleChoiceFilter(choices=Phase.choices)
    stance = django_filters.ChoiceFilter(choices=Engagement.Stance.choices)
    lead = IdFilter(field_name="lead_id")

    class Meta:
        model = Engagement
        fields = ["client", "client_slug", "phase", "stance", "lead"]
