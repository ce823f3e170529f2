"""Streaming CSV/JSONL readers and row validators for evaluation cases and agent outputs.

Files stream from disk or from Django's storage (an upload) and are parsed once: `import_file`
validates each row and hands clean rows, in batches, to the caller's writer (which stages them
where no reader looks, see services). At the first bad row writing stops, the rest of the file
is still checked so the report lists every problem, and ImportFailed tells the caller to
discard what was staged: one bad row → nothing is written. Only the case refs seen are kept in
memory.
"""

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, time
from decimal import Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from maestro.exceptions import DomainError
from maestro.lib.json import JSONTooDeep, json_loads_bounded, nul_character_path
from maestro.lib.numbers import MAX_AMOUNT, parse_decimal

FORMATS = ("csv", "jsonl")
MAX_ERRORS = 100
CASE_REQUIRED = ("case_ref", "correct_outcome", "category")
CASE_OPTIONAL = (
    "input",
    "decision_type",
    "amount",
    "currency",
    "counterparty",
    "decided_at",
)
OUTPUT_REQUIRED = ("case_ref", "predicted_outcome", "confidence")
MAX_TEXT = 200

Record = dict[str, Any]
Progress = Callable[[str, int], None]
# What an import reads: a file's path (the management command), or a callable opening the file
# as a binary stream (an upload kept in STORAGES, maestro.training.services.import_jobs).
Source = str | Callable[[], AbstractContextManager[BinaryIO]]


class ImportFailed(DomainError):
    """The file was refused; `errors` lists every problem found (capped at MAX_ERRORS)."""

    def __init__(self, errors: list[str], *, total: int | None = None) -> None:
        total = total if total is not None else len(errors)
        message = _("Import refused: %(n)d problem(s); nothing was written. %(first)s") % {
            "n": total,
            "first": errors[0] if errors else "",
        }
        super().__init__(
            message, code="import_invalid", extra={"errors": errors, "error_count": total}
        )
        self.errors = errors


def _file_error(message: str) -> ImportFailed:
    return ImportFailed([message])


# The file names an upload may have when it does not say its format (maestro.lib.uploads).
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def guess_format(filename: str) -> str:
    return "jsonl" if filename.lower().endswith((".jsonl", ".ndjson", ".json")) else "csv"


def _open(source: Source) -> AbstractContextManager[BinaryIO]:
    return open(source, "rb") if isinstance(source, str) else source()


def iter_records(path: Source, fmt: str, required: tuple[str, ...]) -> Iterator[tuple[int, Record]]:
    """Yield (line number, record) one at a time. File-level problems raise ImportFailed."""
    if fmt not in FORMATS:
        raise _file_error(_("Unknown format %(fmt)s: use csv or jsonl.") % {"fmt": fmt})
    with _open(path) as raw:
        head = raw.read(4096)
        if not head.lstrip(b"\xef\xbb\xbf").strip():
            raise _file_error(_("The file is empty."))
        raw.seek(0)
        text = _decoded_lines(raw)
        if fmt == "csv":
            yield from _iter_csv(text, required)
        else:
            yield from _iter_jsonl(text, required)


def _decoded_lines(raw: BinaryIO) -> Iterator[str]:
    """Decode line by line, so an encoding error names its line."""
    for number, chunk in enumerate(raw, 1):
        if number == 1 and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        try:
            yield chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise _decode_error(number) from None


def _decode_error(line: int) -> ImportFailed:
    return _file_error(
        _("line %(line)d: the file is not UTF-8 text; save it as UTF-8 and import again.")
        % {"line": line}
    )


def _iter_csv(text: Iterator[str], required: tuple[str, ...]) -> Iterator[tuple[int, Record]]:
    reader = csv.reader(text)
    try:
        header_row = next(reader)
    except StopIteration:
        raise _file_error(_("The file is empty.")) from None
    except csv.Error as exc:
        raise _file_error(_("line 1: %(error)s") % {"error": exc}) from None
    header = [h.strip().lower() for h in header_row]
    missing = [c for c in required if c not in header]
    if missing:
        joined = ",".join(header_row)
        for delimiter, name in ((";", _("semicolons")), ("\t", _("tabs")), ("|", _("pipes"))):
            if len(header) == 1 and delimiter in joined:
                raise _file_error(
                    _("line 1: the columns are separated by %(name)s; use commas.") % {"name": name}
                )
        raise _file_error(
            _(
                "line 1: missing header column(s): %(missing)s. The first line must name the "
                "columns (required: %(required)s)."
            )
            % {"missing": ", ".join(missing), "required": ", ".join(required)}
        )
    if len(set(header)) != len(header):
        raise _file_error(_("line 1: a column is named twice in the header."))
    width = len(header)
    while True:
        # A record may span lines (a quoted field with line breaks): name the line it starts on.
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _file_error(
                _("line %(line)d: %(error)s") % {"line": line, "error": exc}
            ) from None
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            yield (
                line,
                {
                    "__error__": _("expected %(width)d fields, found %(found)d")
                    % {"width": width, "found": len(row)}
                },
            )
            continue
        yield line, dict(zip(header, row, strict=True))


def _iter_jsonl(text: Iterator[str], required: tuple[str, ...]) -> Iterator[tuple[int, Record]]:
    for line, chunk in enumerate(text, 1):
        if not chunk.strip():
            continue
        try:
            value = json_loads_bounded(chunk, max_depth=settings.JSON_MAX_DEPTH)
        except JSONTooDeep:
            yield line, {"__error__": _too_deep()}
            continue
        except json.JSONDecodeError as exc:
            yield (
                line,
                {
                    "__error__": _("not valid JSON: %(error)s at column %(column)d")
                    % {"error": exc.msg, "column": exc.colno}
                },
            )
            continue
        if not isinstance(value, dict):
            yield line, {"__error__": _("not a JSON object")}
            continue
        yield line, {str(k).strip().lower(): v for k, v in value.items()}


def _too_deep() -> str:
    return _("JSON nested more than %(n)d levels deep") % {"n": settings.JSON_MAX_DEPTH}


def _text(record: Record, name: str, errors: list[str], *, required: bool) -> str:
    value = record.get(name)
    if type(value) is str:  # the common case (every CSV cell): skip the other checks
        value = value.strip()
    elif value is None:
        value = ""
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    else:
        errors.append(f"{name}: {_('must be text')}")
        return ""
    if required and not value:
        errors.append(f"{name}: {_('is required')}")
    elif "\x00" in value:  # PostgreSQL cannot store it: the whole batch would fail
        errors.append(f"{name}: {_('contains a NUL character')}")
    elif len(value) > MAX_TEXT:
        errors.append(f"{name}: " + _("longer than %(n)d characters") % {"n": MAX_TEXT})
    return value


def _amount(record: Record, errors: list[str]) -> Decimal | None:
    value = record.get("amount")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = parse_decimal(value)
    except ValueError:
        message = f"amount: '{value}' " + _("is not a number")
        if "," in str(value):
            message += _(
                " (write it without thousands separators, with a dot for decimals: 1249.50)"
            )
        errors.append(message)
        return None
    if not 0 <= amount <= MAX_AMOUNT:
        errors.append(
            f"amount: '{value}' " + _("is not between 0 and %(max)s") % {"max": f"{MAX_AMOUNT:,}"}
        )
        return None
    return amount.quantize(Decimal("0.01"))


def _confidence(record: Record, errors: list[str]) -> float:
    value = record.get("confidence")
    try:
        number = parse_decimal(value)
    except ValueError:
        message = f"confidence: '{value if value is not None else ''}' " + _("is not a number")
        if isinstance(value, str) and ("%" in value or "," in value):
            message += _(" (write a share between 0 and 1 with a dot: 0.85)")
        errors.append(message)
        return 0.0
    if not 0 <= number <= 1:
        errors.append(f"confidence: '{value}' " + _("is not between 0 and 1"))
        return 0.0
    return float(number)


def _input(record: Record, errors: list[str]) -> dict:
    value = record.get("input")
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json_loads_bounded(value, max_depth=settings.JSON_MAX_DEPTH)
        except JSONTooDeep:
            errors.append("input: " + _too_deep())
            return {}
        except ValueError:
            errors.append("input: " + _("is not valid JSON"))
            return {}
    if not isinstance(value, dict):
        errors.append("input: " + _("must be a JSON object"))
        return {}
    path = nul_character_path(value) if value else None
    if path is not None:
        errors.append("input: " + _("contains a NUL character at %(path)s") % {"path": path})
        return {}
    return value


def _decided_at(record: Record, errors: list[str]) -> datetime | None:
    value = record.get("decided_at")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime.combine(day, time()) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        errors.append(f"decided_at: '{text}' " + _("is not a date or date-time (ISO 8601)"))
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def clean_case(record: Record) -> tuple[Record, list[str]]:
    errors: list[str] = []
    if "__error__" in record:
        return {}, [record["__error__"]]
    currency = _text(record, "currency", errors, required=False).upper()
    if currency and len(currency) != 3:
        errors.append(f"currency: '{currency}' " + _("is not a 3-letter code"))
    cleaned = {
        "case_ref": _text(record, "case_ref", errors, required=True),
        "correct_outcome": _text(record, "correct_outcome", errors, required=True),
        "category": _text(record, "category", errors, required=True),
        "decision_type": _text(record, "decision_type", errors, required=False),
        "counterparty": _text(record, "counterparty", errors, required=False),
        "currency": currency,
        "amount": _amount(record, errors),
        "input": _input(record, errors),
        "decided_at": _decided_at(record, errors),
    }
    return cleaned, errors


def clean_output(record: Record) -> tuple[Record, list[str]]:
    errors: list[str] = []
    if "__error__" in record:
        return {}, [record["__error__"]]
    cleaned = {
        "case_ref": _text(record, "case_ref", errors, required=True),
        "predicted_outcome": _text(record, "predicted_outcome", errors, required=True),
        "confidence": _confidence(record, errors),
    }
    return cleaned, errors


def import_file(
    *,
    path: Source,
    fmt: str,
    required: tuple[str, ...],
    clean: Callable[[Record], tuple[Record, list[str]]],
    write: Callable[[list[Record]], None],
    batch_size: int,
    check_ref: Callable[[str], str | None] = lambda ref: None,
    taken_refs: set[str] | None = None,
    on_progress: Progress | None = None,
    progress_every: int = 1000,
    max_rows: int | None = None,
) -> int:
    """Validate every row and `write` the clean ones in batches; returns the row count.

    Once a row fails, nothing more is written, the remaining rows are only validated, and
    ImportFailed (listing up to MAX_ERRORS problems) is raised at the end for the caller to
    discard the batches written. A file of more than `max_rows` rows is refused at the row past
    the limit. Progress: ("writing", rows written) after each batch, then ("validating", rows
    read) once the file is known to be refused."""
    errors: list[str] = []
    total_errors = 0
    seen: dict[str, int] = {}
    taken = taken_refs or set()
    batch: list[Record] = []
    rows = written = 0
    for line, record in iter_records(path, fmt, required):
        rows += 1
        if max_rows is not None and rows > max_rows:
            raise ImportFailed(
                [
                    _(
                        "line %(line)d: the file has more than %(max)d rows, the most one import "
                        "takes; split it into smaller files."
                    )
                    % {"line": line, "max": max_rows},
                    *errors,
                ],
                total=total_errors + 1,
            )
        cleaned, row_errors = clean(record)
        ref = cleaned.get("case_ref")
        if ref:
            if ref in seen:
                row_errors.append(
                    f"case_ref: '{ref}' "
                    + _("is a duplicate of line %(line)d") % {"line": seen[ref]}
                )
            elif ref in taken:
                row_errors.append(f"case_ref: '{ref}' " + _("is already in this dataset"))
            else:
                seen[ref] = line
                problem = check_ref(ref)
                if problem:
                    row_errors.append(f"case_ref: '{ref}' {problem}")
        if row_errors:
            total_errors += len(row_errors)
            for error in row_errors[: MAX_ERRORS - len(errors)]:
                errors.append(f"line {line}: {error}")
            batch = []  # never written: the transaction rolls back anyway
        elif not total_errors:
            batch.append(cleaned)
            if len(batch) >= batch_size:
                write(batch)
                written += len(batch)
                batch = []
                if on_progress:
                    on_progress("writing", written)
            continue
        if on_progress and rows % progress_every == 0:
            on_progress("validating", rows)
    if rows == 0:
        raise _file_error(_("The file has a header but no rows."))
    if errors:
        raise ImportFailed(errors, total=total_errors)
    if batch:
        write(batch)
        written += len(batch)
    if on_progress:
        on_progress("writing", written)
    return rows
