"""Streamed CSV downloads that spreadsheets open safely.

A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return) is a formula to Excel,
LibreOffice and Google Sheets, so text people typed (a name, a note, a URL) could run one
when the file is opened: such cells get a leading apostrophe, which shows the text as typed
(OWASP "CSV Injection").
"""

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file that hands back what is written, so csv.writer yields lines to stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


def csv_response(
    *,
    filename: str,
    header: Iterable[Any],
    rows: Iterable[Iterable[Any]],
    headers: Mapping[str, str] | None = None,
) -> StreamingHttpResponse:
    """A download of `rows` (read lazily, as the response is sent) under `header`."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8", headers=headers
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- API exports ---------------------------------------------------------------------------

# Says whether an export stopped at its row cap.
TRUNCATED_HEADER = "X-Export-Truncated"


class _JSONErrors(BaseContentNegotiation):
    """An export answers CSV itself; anything else it answers (an error) is JSON, whatever the
    Accept header asks for."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


class CsvExportView(generics.GenericAPIView):
    """A list's rows as a CSV download, through the list's own queryset and filters, at most a
    capped number of rows (`X-Export-Truncated` says when more matched).

    A subclass gives `get_queryset` (scoped; it may set `self.engagement`), `filterset_class`,
    `header`, `export_rows(queryset)`, `export_truncated(queryset)` and
    `export_filename(day)`; `csv_export_schema` documents it."""

    pagination_class = None
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _JSONErrors
    header: Sequence[str] = ()

    def export_rows(self, queryset) -> Iterable[Iterable[Any]]:
        raise NotImplementedError

    def export_truncated(self, queryset) -> bool:
        raise NotImplementedError

    def export_filename(self, day: str) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        return csv_response(
            filename=self.export_filename(timezone.localdate().isoformat()),
            header=self.header,
            rows=self.export_rows(queryset),
            headers={TRUNCATED_HEADER: "true" if self.export_truncated(queryset) else "false"},
        )


def csv_export_schema(*, operation_id: str, description: str, max_rows: int, rows: str):
    """The OpenAPI description of a `CsvExportView` (a class decorator): CSV on 200, the list's
    filters, and the truncation header."""
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id,
            filters=True,  # the list's filters, though this is no list view
            description=description,
            responses={
                (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
            },
            parameters=[
                OpenApiParameter(
                    TRUNCATED_HEADER,
                    OpenApiTypes.STR,
                    location=OpenApiParameter.HEADER,
                    response=[200],
                    enum=["true", "false"],
                    description=f"`true` when more than {max_rows:,} {rows} matched.",
                )
            ],
        )
    )
