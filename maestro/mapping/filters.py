import django_filters

from maestro.lib.filters import IdFilter
from maestro.mapping.models import DecisionType, Step


class ProcessFilter(django_filters.FilterSet):
    engagement = IdFilter(field_name="engagement_id")
    client = IdFilter(field_name="engagement__client_id")


class StepFilter(django_filters.FilterSet):
    process = IdFilter(field_name="process_id")
    engagement = IdFilter(field_name="process__engagement_id")
    flow = django_filters.ChoiceFilter(choices=Step.Flow.choices)
    kind = django_filters.MultipleChoiceFilter(choices=Step.Kind.choices)
    informal = django_filters.BooleanFilter()
    undocumented = django_filters.BooleanFilter()


class DecisionTypeFilter(django_filters.FilterSet):
    engagement = IdFilter(field_name="engagement_id")
    autonomy = django_filters.MultipleChoiceFilter(choices=DecisionType.Autonomy.choices)
    compliance = django_filters.BooleanFilter()


class DecisionPointFilter(django_filters.FilterSet):
    process = IdFilter(field_name="step__process_id")
    engagement = IdFilter(field_name="step__process__engagement_id")
    step = IdFilter(field_name="step_id")
    decision_type = IdFilter(field_name="decision_type_id")
    autonomy = django_filters.MultipleChoiceFilter(
        field_name="decision_type__autonomy", choices=DecisionType.Autonomy.choices
    )
