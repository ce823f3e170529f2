from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse

from maestro.lib.serializers import SHARE_PLACES

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


class ShareFieldExtension(OpenApiSerializerFieldExtension):
    """A share (README, "API conventions"): a decimal string with 4 places in answers; in
    requests at most the places the field keeps (any number of places where it rounds)."""

    target_class = "maestro.lib.serializers.ShareField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if direction == "response":
            pattern = r"^(0\.[0-9]{4}|1\.0000)$"
        elif field.round_input:
            pattern = r"^(0(\.[0-9]+)?|1(\.0+)?)$"
        else:  # at most `places` places, padded with zeros up to 4 ("0.8000" for 0.80)
            padding = f"0{{0,{SHARE_PLACES - field.places}}}" if field.places < SHARE_PLACES else ""
            pattern = rf"^(0(\.[0-9]{{1,{field.places}}}{padding})?|1(\.0{{1,{SHARE_PLACES}}})?)$"
        return {"type": "string", "format": "decimal", "pattern": pattern, "example": "0.8500"}


# Added by `error_responses_hook` wherever the operation can answer them and does not say so.
_INVALID_INPUT = "Invalid input: field errors (a filter, `page` or `page_size` included)."
_NOT_FOUND = "Not found, or belongs to a client you cannot see."
_INVALID_PAGE = "Not found (`not_found`), or a page past the last (`invalid_page`)."
_TOO_LARGE = "The body is too large (`request_too_large`); a file over the upload limit is a 400."
_THROTTLED = "Over a rate limit (`throttled`, `too_many_bad_credentials`); see Retry-After."
_NOT_AUTHENTICATED = "No or invalid credentials (`not_authenticated`, `authentication_failed`)."
_AGENT_KEY = (
    "An agent API key (`agent_key_not_allowed`): keys only post decisions and their outcomes."
)


def error_responses_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the errors the shared plumbing answers
    on every operation, so each one lists every status it can answer:
    400 where there is a body or a query parameter (validation, filters, pagination),
    404 where there is a path parameter or pagination (a page past the last),
    413 where there is a body, 401 wherever credentials are required, 403 wherever a person's are
    (an agent API key is refused), 429 everywhere (throttles).
    Integer path parameters (ids, version numbers) are documented from 1: 0 names nothing."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            parameters = operation.get("parameters", [])
            query = {p["name"] for p in parameters if p.get("in") == "query"}
            in_path = [p for p in parameters if p.get("in") == "path"]
            if "requestBody" in operation or query:
                responses.setdefault("400", {"description": _INVALID_INPUT})
            if "page" in query:
                responses.setdefault("404", {"description": _INVALID_PAGE})
            elif in_path:
                responses.setdefault("404", {"description": _NOT_FOUND})
            if "requestBody" in operation:
                responses.setdefault("413", {"description": _TOO_LARGE})
            security = operation.get("security", [{}])
            if {} not in security:
                responses.setdefault("401", {"description": _NOT_AUTHENTICATED})
                if not any("agentApiKey" in requirement for requirement in security):
                    forbidden = responses.setdefault("403", {"description": _AGENT_KEY})
                    if forbidden["description"] != _AGENT_KEY:
                        forbidden["description"] += f" Or: {_AGENT_KEY}"
            responses.setdefault("429", {"description": _THROTTLED})
            for parameter in in_path:
                if parameter.get("schema", {}).get("type") == "integer":
                    parameter["schema"].setdefault("minimum", 1)
            operation["responses"] = dict(sorted(responses.items()))
    return result


_LOCATION = {
    "description": "The job's status URL (the body's `status_url`): poll it (GET).",
    "required": True,
    "schema": {"type": "string", "format": "uri"},
}


def accepted_responses_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: every 202 Accepted carries a `Location` header
    naming the job's status URL (maestro.lib.accepted), and says so."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "202" in operation.get("responses", {}):
                operation["responses"]["202"].setdefault("headers", {})["Location"] = _LOCATION
    return result
