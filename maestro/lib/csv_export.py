"""Streamed CSV downloads that spreadsheets open safely.

A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return) is a formula to Excel,
LibreOffice and Google Sheets, so text people typed (a name, a note, a URL) could run one
when the file is opened: such cells get a leading apostrophe, which shows the text as typed
(OWASP "CSV Injection").
"""

import csv
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.http import StreamingHttpResponse

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
