"""202 Accepted, answered one way (README, "API conventions"): the body is the job (an import,
a dry run, a webhook delivery) with its `status_url`, and the `Location` header names the same
URL. Poll it (GET) for the job's status and its result or errors.

`StatusUrlField` goes on the job's output serializer (so the status endpoint's own answer
carries it too); `accepted` builds the response. The schema documents the header on every 202
(`maestro.lib.openapi.accepted_responses_hook`)."""

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

STATUS_URL_HELP = "Poll this URL (GET) for the job's status, then its result or its errors."


@extend_schema_field(OpenApiTypes.URI)
class StatusUrlField(serializers.Field):
    """The absolute URL of the job's status endpoint: `view_name` reversed with the kwargs
    `url_kwargs(job)` gives (a path when the serializer has no request in its context)."""

    def __init__(self, *, view_name: str, url_kwargs: Callable[[Any], dict], **kwargs):
        self.view_name = view_name
        self.url_kwargs = url_kwargs
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault("help_text", STATUS_URL_HELP)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        path = reverse(self.view_name, kwargs=self.url_kwargs(value))
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


def accepted(data) -> Response:
    """202 with the job's answer and `Location: <its status_url>`."""
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]})
