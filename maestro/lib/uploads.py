"""Uploads: the size limit (MAESTRO_UPLOAD_MAX_BYTES for the files of one request; README.md,
"Limits") and the checks of the request every upload gets before it is stored (README, "API
conventions": what the request gets wrong is a 400 at once, on the file field; what the file's
rows get wrong is reported by the import job).

`UploadLimitHandler` comes first in FILE_UPLOAD_HANDLERS, so it sees every uploaded file before
the handlers that keep one (in memory or in a temporary file). When the request's Content-Length
already says it is too large, its files are dropped before a byte is kept; otherwise the bytes
are counted as they stream in and the file is dropped at the limit. The rest of the form still
parses (the CSRF token, the other fields) and the request is marked: pages show a form error
(`form_refuse_upload`), the API answers 400 on the file's field (`MultiPartParser`), and
nothing is written.
"""

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework import serializers as drf_serializers

from maestro.exceptions import DomainError

# Room in a request for the form's other fields and the multipart framing, beyond the files.
FORM_FIELDS_ALLOWANCE = 64 * 1024
_MARK = "maestro_upload_too_large"


def upload_max_bytes() -> int:
    return settings.MAESTRO_UPLOAD_MAX_BYTES


class UploadTooLarge(DomainError):
    """An uploaded file is over the limit; nothing of it was kept. Pages answer 413 with the
    message on the form's file field; the API a 400 on the file's field (MultiPartParser)."""

    status_code = 413

    def __init__(self) -> None:
        limit = upload_max_bytes()
        super().__init__(
            _(
                "The file is too large: an upload may be at most %(limit)s (%(bytes)d bytes). "
                "Split it into smaller files."
            )
            % {"limit": filesizeformat(limit), "bytes": limit},
            code="upload_too_large",
            extra={"max_bytes": limit},
        )


def upload_too_large(request) -> UploadTooLarge | None:
    """The refusal, if a file of this (already parsed) request went over the limit."""
    return UploadTooLarge() if getattr(request, _MARK, None) else None


class UploadLimitHandler(FileUploadHandler):
    """Drops every file of a request once its files pass the limit, before later handlers
    keep the bytes; marks the request so the view can say why."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length or 0
        self.received = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        if self.request_length > upload_max_bytes() + FORM_FIELDS_ALLOWANCE:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > upload_max_bytes():
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file

    def _refuse(self) -> None:
        if self.request is not None:  # which fields lost their file, for the error
            dropped = getattr(self.request, _MARK, None) or []
            setattr(self.request, _MARK, [*dropped, self.field_name])
        raise SkipFile  # the parser drops this file and reads past it without keeping it


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, answering 400 on the field of a file over the limit
    (`{"file": ["The file is too large: …"]}`), like every other problem of the request."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        request = (parser_context or {}).get("request")
        refusal = upload_too_large(request) if request is not None else None
        if refusal is not None:
            fields = getattr(request, _MARK)
            raise drf_serializers.ValidationError({name: [refusal.message] for name in fields})
        return parsed


# Read in chunks of this size to tell an empty file (nothing but blanks and a BOM) at once.
_HEAD_BYTES = 4096
_BOM = b"\xef\xbb\xbf"


def upload_check(
    upload: Any, *, formats: Mapping[str, str], fmt: str | None = None, field: str = "file"
) -> str:
    """The checks of the request every upload gets before anything is stored, each a
    ValidationError on `field`: not over the size limit (a backstop: the handler drops such
    files as they arrive), not empty (nothing but blanks and a BOM), and a name whose
    extension is one of `formats` (extension → format, e.g. {".csv": "csv"}) unless the
    format was given. Returns the format. Problems in the rows are the import's to report."""
    if getattr(upload, "size", 0) > upload_max_bytes():
        raise ValidationError({field: [UploadTooLarge().message]}, code="upload_too_large")
    for number, chunk in enumerate(upload.chunks(_HEAD_BYTES)):
        if (chunk.removeprefix(_BOM) if number == 0 else chunk).strip():
            break  # something to import (almost always in the first chunk)
    else:
        raise ValidationError({field: [_("The submitted file is empty.")]}, code="empty")
    if fmt:
        return fmt
    name = getattr(upload, "name", "") or ""
    extension = PurePath(name).suffix.lower()
    if extension not in formats:
        raise ValidationError(
            {
                field: [
                    _(
                        "“%(name)s” is not a file Maestro imports: send one named %(extensions)s, "
                        "or give its format."
                    )
                    % {"name": name[:100], "extensions": _or(sorted(formats))}
                ]
            },
            code="file_type",
        )
    return formats[extension]


def form_refuse_upload(form, field: str, refusal: UploadTooLarge) -> None:
    """Show the refusal on the page form's file field, in place of "This field is required"
    (the file was dropped): the form is then invalid."""
    form.full_clean()
    form.errors[field] = form.error_class([refusal.message])
    form.cleaned_data.pop(field, None)


def _or(words: list[str]) -> str:
    return (
        words[0]
        if len(words) == 1
        else _("%(some)s or %(last)s")
        % {
            "some": ", ".join(words[:-1]),
            "last": words[-1],
        }
    )
