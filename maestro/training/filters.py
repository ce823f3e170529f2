import django_filters

from maestro.lib.filters import IdFilter


class DatasetFilter(django_filters.FilterSet):
    process = IdFilter(field_name="process_id")
    engagement = IdFilter(field_name="process__engagement_id")


class RoundFilter(django_filters.FilterSet):
    dataset = IdFilter(field_name="dataset_id")
    process = IdFilter(field_name="dataset__process_id")
    engagement = IdFilter(field_name="dataset__process__engagement_id")
