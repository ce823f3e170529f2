"""What the verify page and API take: a SHA-256 as 64 hexadecimal characters, or the PDF itself,
hashed as it is read in chunks (never held whole in memory). One set of rules and messages for
both, each a ValidationError on its field (400); the upload's size limit is the product's
(MAESTRO_UPLOAD_MAX_BYTES, README "Limits")."""

import hashlib
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from maestro.lib.uploads import UploadTooLarge, upload_max_bytes

SHA256_RE = re.compile(r"[0-9a-f]{64}")
CHUNK_BYTES = 64 * 1024


def sha256_clean(value: str, *, field: str = "sha256") -> str:
    """The hash in lower case, spaces around it dropped; a ValidationError on `field` unless
    it is 64 hexadecimal characters."""
    cleaned = (value or "").strip().lower()
    if not SHA256_RE.fullmatch(cleaned):
        raise ValidationError(
            {
                field: [
                    _(
                        "Enter the SHA-256 as 64 hexadecimal characters (0–9, a–f); "
                        "this has %(count)d characters."
                    )
                    % {"count": len(cleaned)}
                    if len(cleaned) != 64
                    else _("Enter the SHA-256 as 64 hexadecimal characters (0–9, a–f) only.")
                ]
            },
            code="invalid_sha256",
        )
    return cleaned


def upload_sha256(upload: Any, *, field: str = "file") -> str:
    """The SHA-256 of an uploaded file, read in chunks; a ValidationError on `field` for an
    empty file or one over the upload limit (a backstop: the upload handler drops those)."""
    if getattr(upload, "size", 0) > upload_max_bytes():
        raise ValidationError({field: [UploadTooLarge().message]}, code="upload_too_large")
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks(CHUNK_BYTES):
        size += len(chunk)
        digest.update(chunk)
    if size == 0:
        raise ValidationError({field: [_("The submitted file is empty.")]}, code="empty")
    return digest.hexdigest()


def verify_input_hash(*, sha256: str | None, upload: Any | None) -> str:
    """The hash to look up from exactly one of the two inputs."""
    if sha256 and upload is not None:
        raise ValidationError(
            _("Give the document's SHA-256 or upload the PDF, not both."), code="both"
        )
    if upload is not None:
        return upload_sha256(upload)
    if sha256:
        return sha256_clean(sha256)
    raise ValidationError(
        _("Give the document's SHA-256 or upload the PDF to verify it."), code="required"
    )
