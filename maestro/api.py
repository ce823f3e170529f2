"""Shared API plumbing: the exception handler and pagination (HS api/exception_handlers.py)."""

import base64
import binascii
from urllib import parse

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from maestro.exceptions import DomainError


def _whole_number(raw: str) -> int | None:
    """A whole number written in ASCII digits (no sign, spaces, `_`, exponent or other
    scripts' digits), or None."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    try:
        return int(raw)
    except ValueError:  # longer than Python converts (sys.get_int_max_str_digits)
        return None


class Pagination(pagination.PageNumberPagination):
    """`?page=` (from 1, or `last`) and `?page_size=` (from 1; above 500 counts as 500).
    Anything else in either is a 400 naming the parameter; a page past the last is a 404.
    An empty value means the default, as it does for the filters."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        size = _whole_number(raw)
        if size is None or size < 1:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        f"Enter a whole number from 1 (at most {self.max_page_size} are "
                        "returned per page)."
                    ]
                }
            )
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param, "")
        number = 1 if raw == "" else _whole_number(raw)
        if raw not in self.last_page_strings and (number is None or number < 1):
            raise exceptions.ValidationError(
                {self.page_query_param: ["Enter a whole number from 1, or `last`."]}
            )
        paginator = self.django_paginator_class(queryset, page_size)
        if raw in self.last_page_strings:
            number = paginator.num_pages
        try:
            self.page = paginator.page(number)
        except InvalidPage as exc:
            raise exceptions.NotFound(
                f"Invalid page: there is no page {number} (the last page is "
                f"{paginator.num_pages}).",
                code="invalid_page",
            ) from exc
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "A page number, from 1 (or `last`). Another value is a 400; a page past "
                    "the last is a 404 (`invalid_page`)."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page, from 1 (default {self.page_size}). Values above "
                    f"{self.max_page_size} return {self.max_page_size}. Another value is a 400."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(
            {"detail": exc.message, "code": exc.code, **exc.extra}, status=exc.status_code
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {
                "detail": "The request body is larger than the server accepts "
                f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes); send smaller batches.",
                "code": "request_too_large",
            },
            status=413,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data.setdefault("code", getattr(response.data["detail"], "code", "error"))
    return response


class CursorPagination(pagination.CursorPagination):
    """For lists that grow by thousands a day (the decision record, the audit trail):
    `?cursor=` from the `next`/`previous` links, and `?page_size=` as in Pagination. No count
    and no OFFSET, so a page costs the same on the millionth row as on the first, and a row
    arriving meanwhile neither repeats nor skips one. The view (or a subclass) sets `ordering`:
    newest first, ending on a unique key.

    A cursor this list did not give is a 400 naming `cursor`, like any other bad parameter:
    it must decode, carry only the offset/reverse/position keys, and its position must be a
    value of the ordering's first field (so nothing else ever reaches the query)."""

    page_size_query_param = "page_size"
    max_page_size = Pagination.max_page_size
    get_page_size = Pagination.get_page_size

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model  # decode_cursor checks the position against its field
        return super().paginate_queryset(queryset, request, view)

    def _position_field(self):
        name = self.ordering[0] if isinstance(self.ordering, list | tuple) else self.ordering
        name = name.lstrip("-")
        model = self._model
        return model._meta.pk if name == "pk" else model._meta.get_field(name)

    def decode_cursor(self, request):
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        refused = exceptions.ValidationError(
            {self.cursor_query_param: ["Not a cursor of this list: follow its next or previous."]}
        )
        try:
            tokens = parse.parse_qs(
                base64.b64decode(raw.encode("ascii"), validate=True).decode("ascii"),
                keep_blank_values=True,
                max_num_fields=3,
            )
            if not tokens or set(tokens) - {"o", "r", "p"}:
                raise ValueError(raw)
            offset = int(tokens.get("o", ["0"])[0])
            reverse = tokens.get("r", ["0"])[0] == "1"
            position = tokens.get("p", [None])[0]
            if position is not None:
                self._position_field().to_python(position)
        except (UnicodeError, binascii.Error, ValueError, DjangoValidationError):
            raise refused from None
        if not 0 <= offset <= self.offset_cutoff:
            raise refused
        return pagination.Cursor(offset=offset, reverse=reverse, position=position)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Where to continue: take it from the `next` or `previous` link. A value "
                    "that was not made here is a 400."
                ),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page, from 1 (default {self.page_size}). Values above "
                    f"{self.max_page_size} return {self.max_page_size}. Another value is a 400."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
