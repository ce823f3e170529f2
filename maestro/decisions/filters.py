"""Filters of the decision record (GET /api/decisions/)."""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from maestro.decisions.models import Decision
from maestro.lib.filters import IdFilter


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or 1/0); anything else is a 400 naming the filter, not a filter that
    silently matches everything (`?overridden=yes`)."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value).strip().lower() if value is not None else ""
        if text == "":
            return None
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError("Enter true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


# From the second day Python knows: a midnight converts to UTC without overflow.
_FIRST_DAY = date(1, 1, 2)


def _midnight(day: date) -> datetime:
    """The start of a local day (days are 23 or 25 hours long across a DST change)."""
    day = max(day, _FIRST_DAY)
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


class DecisionFilter(django_filters.FilterSet):
    engagement = IdFilter(field_name="engagement_id")
    process = IdFilter(field_name="process_id")
    route = django_filters.ChoiceFilter(choices=Decision.Route.choices)
    reason = django_filters.CharFilter(
        field_name="reasons",
        lookup_expr="has_code",
        max_length=50,
        help_text="A reason code (`confidence_below`, `amount_above`, `new_counterparty`, …): "
        "decisions routed with that reason among theirs.",
    )
    received_after = django_filters.DateFilter(
        method="filter_received_after",
        help_text="Received on or after this day (YYYY-MM-DD, the server's time zone).",
    )
    received_before = django_filters.DateFilter(
        method="filter_received_before",
        help_text="Received on or before this day (YYYY-MM-DD, the server's time zone).",
    )
    overridden = StrictBooleanFilter(help_text="The confirmed outcome differs from the agent's.")
    has_outcome = StrictBooleanFilter(
        method="filter_has_outcome",
        help_text="A confirmed outcome is recorded (from review or outcome feedback).",
    )
    is_test = StrictBooleanFilter(
        help_text="Posted with a test key (true) or a live one (false); both when absent."
    )
    case_ref = django_filters.CharFilter(max_length=200, help_text="The agent's case ref.")

    class Meta:
        model = Decision
        fields = [
            "engagement",
            "process",
            "route",
            "reason",
            "received_after",
            "received_before",
            "overridden",
            "has_outcome",
            "is_test",
            "case_ref",
        ]

    def filter_received_after(self, queryset, name, value: date):
        return queryset.filter(received_at__gte=_midnight(value))

    def filter_received_before(self, queryset, name, value: date):
        if value == date.max:  # no day after it; nothing is received later anyway
            return queryset
        return queryset.filter(received_at__lt=_midnight(value + timedelta(days=1)))

    def filter_has_outcome(self, queryset, name, value):
        return queryset.exclude(outcome_source="") if value else queryset.filter(outcome_source="")
