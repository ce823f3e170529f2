"""The filters of an activity list, shared by its API, its CSV export and its page."""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.lib.filters import IdFilter


class _ListFromOneSelect(forms.Select):
    """A single <select> for a filter that takes a list (`?event=a&event=b` in the API)."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value]  # "Any event" is no filter


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditEntryFilter(django_filters.FilterSet):
    event = django_filters.MultipleChoiceFilter(
        choices=AuditEvent.choices,
        label=_("What"),
        help_text=_("An event type (repeat the parameter for several)."),
    )
    actor_kind = django_filters.ChoiceFilter(
        choices=AuditEntry.ActorKind.choices,
        label=_("Done by"),
        empty_label=_("Anyone"),
        help_text=_("A person, an agent API key or a system job."),
    )
    actor = IdFilter(
        field_name="actor_user_id", label=_("Person"), help_text=_("The id of the person.")
    )
    target_type = django_filters.CharFilter(
        max_length=100,
        label=_("Object"),
        help_text=_("The kind of object changed, e.g. `reviews.ReviewTask`."),
    )
    since = django_filters.DateFilter(
        method="filter_since",
        label=_("From"),
        help_text=_("From this day on (YYYY-MM-DD, the site's time zone)."),
    )
    until = django_filters.DateFilter(
        method="filter_until",
        label=_("Until"),
        help_text=_("Up to and including this day (YYYY-MM-DD, the site's time zone)."),
    )

    class Meta:
        model = AuditEntry
        fields = ["event", "actor_kind", "actor", "target_type", "since", "until"]

    def filter_since(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        # A range on `at`, not `at__date`: the (engagement, -at, -id) index still serves it.
        return queryset.filter(at__gte=_start_of(value))

    def filter_until(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(at__lt=_start_of(value + timedelta(days=1)))


class AuditEntryPageFilter(AuditEntryFilter):
    """The same filters as a page form: selects of the people and kinds of object present."""

    def __init__(
        self,
        *args,
        actors: list[tuple[int, str]],
        target_types: list[tuple[str, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        form = self.form
        form.label_suffix = ""  # labels without a colon, like every other filter bar
        event = form.fields["event"]
        event.widget = _ListFromOneSelect(choices=[("", _("Any event")), *AuditEvent.choices])
        form.fields["actor"].widget = forms.Select(choices=[("", _("Anyone")), *actors])
        form.fields["target_type"].widget = forms.Select(
            choices=[("", _("Any object")), *target_types]
        )
        for name in ("since", "until"):
            form.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        for field in form.fields.values():
            field.help_text = ""
