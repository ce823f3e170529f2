"""The upload size limit: MAESTRO_UPLOAD_MAX_BYTES for the files of one request (README.md,
"Limits").

`UploadLimitHandler` comes first in FILE_UPLOAD_HANDLERS, so it sees every uploaded file before
the handlers that keep one (in memory or in a temporary file). When the request's Content-Length
already says it is too large, its files are dropped before a byte is kept; otherwise the bytes
are counted as they stream in and the file is dropped at the limit. The rest of the form still
parses (the CSRF token, the other fields) and the request is marked: pages show a form error
(`form_refuse_upload`), the API answers 413 (`MultiPartParser`), and nothing is written.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import parsers

from maestro.exceptions import DomainError

# Room in a request for the form's other fields and the multipart framing, beyond the files.
FORM_FIELDS_ALLOWANCE = 64 * 1024
_MARK = "maestro_upload_too_large"


def upload_max_bytes() -> int:
    return settings.MAESTRO_UPLOAD_MAX_BYTES


class UploadTooLarge(DomainError):
    """An uploaded file is over the limit (HTTP 413); nothing of it was kept."""

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
    return UploadTooLarge() if getattr(request, _MARK, False) else None


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
        if self.request is not None:
            setattr(self.request, _MARK, True)
        raise SkipFile  # the parser drops this file and reads past it without keeping it


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, answering 413 when a file was over the limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        request = (parser_context or {}).get("request")
        if request is not None and upload_too_large(request):
            raise UploadTooLarge()
        return parsed


def form_refuse_upload(form, field: str, refusal: UploadTooLarge) -> None:
    """Show the refusal on the page form's file field, in place of "This field is required"
    (the file was dropped): the form is then invalid."""
    form.full_clean()
    form.errors[field] = form.error_class([refusal.message])
    form.cleaned_data.pop(field, None)
