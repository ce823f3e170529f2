"""The API's JSON parser. Its own module: DRF's APIView reads DEFAULT_PARSER_CLASSES when
rest_framework.views is imported, so this must not import that (maestro.api does)."""

import codecs

from django.conf import settings
from rest_framework import exceptions, parsers
from rest_framework.utils.json import strict_constant

from maestro.lib.json import JSONTooDeep, json_loads_bounded


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit (settings.JSON_MAX_DEPTH). DRF's own catches only
    ValueError, so `[` × 10,000 … `]` × 10,000 was a RecursionError and a 500 on every endpoint,
    before authentication. Too deep is a 400 `json_too_deep`; the depth is checked in one pass
    over the text before the (recursive) parser runs."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        parse_constant = strict_constant if self.strict else None
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_loads_bounded(
                text, max_depth=settings.JSON_MAX_DEPTH, parse_constant=parse_constant
            )
        except JSONTooDeep as exc:
            raise exceptions.ParseError(
                f"JSON parse error - the body nests arrays and objects more than {exc.limit} "
                "levels deep.",
                code="json_too_deep",
            ) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
