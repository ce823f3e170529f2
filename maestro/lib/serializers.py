from rest_framework import serializers


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


class IdField(serializers.IntegerField):
    """An id in request data: a whole number the database can hold, so a 24-digit id is a 400
    naming the field rather than an overflow in the driver (the twin of filters.IdFilter)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


class NumberField(serializers.IntegerField):
    """A version or round number (a PositiveIntegerField: 32 bits on PostgreSQL)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(**kwargs)
