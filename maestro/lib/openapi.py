from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse

# The error answers every tenant-scoped endpoint shares (shapes in README, "API").
ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input: field errors, or {detail, code}."),
    403: OpenApiResponse(description="Visible to you, but your role may not do this."),
    404: OpenApiResponse(description="Not found, or belongs to a client you cannot see."),
}


class AmountFieldExtension(OpenApiSerializerFieldExtension):
    """An amount is never negative: drop the `-?` drf-spectacular puts in every decimal's
    pattern, so the schema (and tools that generate requests from it) agree with the API."""

    target_class = "maestro.lib.serializers.AmountField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if "pattern" in schema:
            schema["pattern"] = schema["pattern"].replace("^-?", "^", 1)
        return schema
