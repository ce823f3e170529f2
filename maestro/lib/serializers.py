import copy
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

from django.db import models
from rest_framework import serializers

from maestro.lib.jobs import JobStatus
from maestro.lib.numbers import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS, MAX_AMOUNT, parse_decimal

# Every share in the API (accuracy, rates, targets, thresholds, confidence): a fraction from 0 to
# 1 as a decimal string with SHARE_PLACES places, in answers and in requests (README, "API
# conventions"; the schema's description in settings.SPECTACULAR_SETTINGS).
SHARE_PLACES = 4
SHARE_CONVENTION = 'A fraction from 0 to 1 as a decimal string with 4 places: "0.8500" is 85%.'


class DateTimeField(serializers.DateTimeField):
    """DRF's, asking for the active time zone once per field, i.e. once per response (fields
    live as long as their serializer), instead of once per value: a page of 500 engagements
    spent more time looking up the time zone than formatting its 2,000 dates."""

    def default_timezone(self):
        if "_timezone" not in self.__dict__:
            self.__dict__["_timezone"] = super().default_timezone()
        return self.__dict__["_timezone"]


# ModelSerializer for answers: model DateTimeFields become the DateTimeField above. (Comments,
# not docstrings, here and below: the API schema would show a base class's docstring as the
# description of every serializer without one of its own.)
# Its fields are built from the model once per class (ModelSerializer inspects the model for
# every instance, i.e. for each nested serializer of every response) and each instance gets its
# own copies, as DRF gives a plain Serializer copies of its declared fields.
class OutputModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }

    def get_fields(self):
        cls = type(self)
        prototypes = cls.__dict__.get("_field_prototypes")
        if prototypes is None:
            prototypes = super().get_fields()
            setattr(cls, "_field_prototypes", prototypes)  # noqa: B010 - per class, not inherited
        return copy.deepcopy(prototypes)


# For a serializer nested in lists: each object (by pk) is represented once per response and
# the same answer reused, e.g. the client and lead shared by a page of engagements.
class RepresentOnceMixin:
    def to_representation(self, instance):
        if instance.pk is None:  # unsaved: nothing tells two of them apart
            return super().to_representation(instance)  # type: ignore[misc]
        memo = self.__dict__.setdefault("_represented", {})
        found = memo.get(instance.pk)
        if found is None:
            found = memo[instance.pk] = super().to_representation(instance)  # type: ignore[misc]
        return found


class StrictInputSerializer(serializers.Serializer):
    """Input serializer that rejects fields it does not know, instead of silently dropping
    them (a client sending `phase` to an update must learn it was not applied)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field; it cannot be set here."] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictNumberMixin:
    """Numbers as JSON numbers or plain ASCII decimal text only (maestro.lib.numbers): DRF's
    fields take `true` as 1 (FloatField), and "１２３" or "1_000" wherever Python does."""

    def to_internal_value(self, data):
        try:
            parse_decimal(data)
        except ValueError:
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class IntegerField(StrictNumberMixin, serializers.IntegerField):
    pass


class FloatField(StrictNumberMixin, serializers.FloatField):
    pass


class DecimalField(StrictNumberMixin, serializers.DecimalField):
    pass


class AmountField(DecimalField):
    """A money amount: 0 or more, 2 decimals, at most MAX_AMOUNT (9,999,999,999,999.99: what
    every supported database stores exactly, SQLite's REAL included). Pass a smaller
    `max_digits` for a narrower column."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", AMOUNT_MAX_DIGITS)
        kwargs.setdefault("decimal_places", AMOUNT_DECIMAL_PLACES)
        kwargs.setdefault("min_value", Decimal(0))
        whole = kwargs["max_digits"] - kwargs["decimal_places"]
        widest = Decimal(10) ** whole - Decimal(10) ** -kwargs["decimal_places"]
        kwargs.setdefault("max_value", min(MAX_AMOUNT, widest))
        super().__init__(**kwargs)


class ShareField(DecimalField):
    """A share: a fraction from 0 to 1, answered as a decimal string with 4 places ("0.8500")
    and read from a decimal string (a JSON number is taken too) with at most 4 places.

    Models keep their own storage; the field converts at the boundary:
    - `stored_as="percent"`: the value behind the field is a percent (a model's 85.00, a
      selector's 85.0), so 85 reads out as "0.8500" and "0.8525" is saved as 85.25;
    - `places`: the decimals the storage keeps (2 for a threshold stored as 0.85), so a finer
      share is refused with the field named, not rounded away unseen;
    - `round_input`: round a finer share to `places` instead of refusing it (an agent's
      confidence, 0.873456…, is kept to 4 places).
    The range is checked before rounding, so 1e308 is a 400, not an arithmetic error."""

    default_error_messages = {
        "invalid": "A valid number is required: a share is a fraction from 0 to 1 written as a "
        'decimal string, e.g. "0.8500" for 85%.',
        "places": "Ensure that there are no more than {places} decimal places.",
        "max_value": "Ensure this value is less than or equal to {max_value} (a share is a "
        'fraction: "0.8500" for 85%).',
    }

    def __init__(
        self,
        *,
        stored_as: Literal["fraction", "percent"] = "fraction",
        places: int = SHARE_PLACES,
        round_input: bool = False,
        **kwargs,
    ):
        self.stored_as = stored_as
        self.places = places
        self.round_input = round_input
        help_text = kwargs.pop("help_text", "")
        kwargs["help_text"] = f"{help_text} {SHARE_CONVENTION}".strip()
        super().__init__(max_digits=SHARE_PLACES + 1, decimal_places=SHARE_PLACES, **kwargs)

    def to_internal_value(self, data):
        try:
            number = parse_decimal(data)
        except ValueError:
            self.fail("invalid")
        if number < 0:
            self.fail("min_value", min_value=0)
        if number > 1:
            self.fail("max_value", max_value=1)
        step = Decimal(10) ** -self.places
        share = number.quantize(step, rounding=ROUND_HALF_EVEN)
        if share != number and not self.round_input:
            self.fail("places", places=self.places)
        if self.stored_as == "percent":
            return (share * 100).quantize(Decimal(10) ** -max(self.places - 2, 0))
        return share

    def to_representation(self, value):
        number = parse_decimal(value)
        if self.stored_as == "percent":
            number = number / 100
        step = Decimal(10) ** -SHARE_PLACES
        return f"{number.quantize(step, rounding=ROUND_HALF_EVEN):f}"


class IdField(IntegerField):
    """An id in request data: a whole number the database can hold, so a 24-digit id is a 400
    naming the field rather than an overflow in the driver (the twin of filters.IdFilter)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


class NumberField(IntegerField):
    """A version or round number (a PositiveIntegerField: 32 bits on PostgreSQL)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(**kwargs)


# A background job's status as an API publishes it. The jobs share one stored vocabulary
# (maestro.lib.jobs.JobStatus); an API published before that keeps answering its own words:
# `published` maps a stored status to the (value, label) that API has always answered, so its
# answers, and the enum in its schema, do not change for integrators.
PublishedStatuses = Mapping[str, tuple[str, str]]


def _published(published: PublishedStatuses, status: str) -> tuple[str, str]:
    if status in published:
        return published[status]
    return status, str(JobStatus(status).label)


class JobStatusField(serializers.ChoiceField):
    def __init__(self, *, published: PublishedStatuses, **kwargs):
        self.published = {str(stored): words for stored, words in published.items()}
        choices = [_published(self.published, status) for status in JobStatus.values]
        kwargs.setdefault("required", False)  # as the model field, which has a default
        super().__init__(choices=choices, **kwargs)

    def to_representation(self, value):
        return _published(self.published, value)[0]


class JobStatusDisplayField(serializers.CharField):
    """The label that goes with JobStatusField's value (read from the job's `status`)."""

    def __init__(self, *, published: PublishedStatuses, **kwargs):
        self.published = {str(stored): words for stored, words in published.items()}
        kwargs.setdefault("source", "status")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return _published(self.published, value)[1]
