"""What an intake item must satisfy beyond its fields' types: the payload's size and content."""

import json
from typing import Any

from django.utils.translation import gettext as _

from maestro.lib.json import nul_character_path

# Serialized size of `payload`. It is stored with every decision and shown to reviewers; bulk
# documents belong in the agent's own store, referenced from the payload.
MAX_PAYLOAD_BYTES = 16 * 1024


def payload_errors(payload: Any) -> list[str]:
    """Why `payload` cannot be stored, or nothing. Shared with the API's field validation."""
    if not isinstance(payload, dict):
        return [_("The payload must be a JSON object.")]
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode())
    if size > MAX_PAYLOAD_BYTES:
        return [
            _("The payload is %(size)s bytes serialized; the limit is %(limit)s.")
            % {"size": size, "limit": MAX_PAYLOAD_BYTES}
        ]
    # json.dumps writes U+0000 as the escape, so the walk runs only when one is likely there.
    if "\\u0000" in text:
        path = nul_character_path(payload)
        if path is not None:
            return [
                _(
                    "The payload contains a NUL character (\\u0000) at %(path)s; "
                    "it cannot be stored."
                )
                % {"path": path}
            ]
    return []
