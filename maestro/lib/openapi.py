from drf_spectacular.utils import OpenApiResponse

# The error answers every tenant-scoped endpoint shares (shapes in README, "API").
ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input: field errors, or {detail, code}."),
    403: OpenApiResponse(description="Visible to you, but your role may not do this."),
    404: OpenApiResponse(description="Not found, or belongs to a client you cannot see."),
}
