"""Reading usage files (F-55): the CSV format of `docs/usage-format.md`, plain or gzip, row by
row in constant memory, each row checked into a `Parsed` record or a `Bad` (row + reason code).

Reasons are codes with a detail (the offending value); `reason_text` makes the sentence in the
reader's language when a page, the API or the downloadable list shows it.

These are the checks of the SQLite path. On PostgreSQL the same rules run as SQL over the raw
text (`ingest_sql`), built from the patterns and tables here (times, decimals, E.164, units,
whitespace), so a rule is written once; tests prove both paths report the same rows alike.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import string
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import IO, Any, NamedTuple, cast

from django.utils.translation import gettext_lazy as _

from fleetportal.core.phones import InvalidNumber, parse_mobile

from .models import KB_PER_MB, UsageRecord

COLUMNS = ("record_id", "number", "started_at", "kind", "zone", "quantity", "unit", "amount", "merchant", "direction")
# Columns a file may leave out (the files written before calls and SMS had a direction).
OPTIONAL = frozenset({"direction"})
REQUIRED = ("record_id", "number", "started_at", "kind", "zone")
GZIP_MAGIC = b"\x1f\x8b"
QUANTUM = Decimal("0.0000000001")  # UsageRecord.quantity's 10 decimal places
CENT_QUANTUM = Decimal("0.0001")
MAX_QUANTITY = Decimal(10) ** 9
MAX_AMOUNT = Decimal(10) ** 7
RECORD_ID_MAX = UsageRecord._meta.get_field("record_id").max_length or 64
MERCHANT_MAX = UsageRecord._meta.get_field("merchant").max_length or 100

# The shapes a value must have before it is converted (the same regular expressions run in
# Python and in PostgreSQL, whose syntax they share): a start time in ISO 8601 with a time zone
# (Python and PostgreSQL read exactly these alike), a plain decimal (no exponent, no `_`), a
# number already in E.164 (anything else goes through `phones.parse_mobile`).
TIME_PATTERN = (
    r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$"
)
DECIMAL_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
E164_PATTERN = r"^\+[0-9]{7,15}$"
_TIME, _DECIMAL, _E164 = re.compile(TIME_PATTERN), re.compile(DECIMAL_PATTERN), re.compile(E164_PATTERN)
# What `str.strip()` removes (tested against Python's own `str.isspace`), for SQL's btrim.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Kinds, zones, units and directions are case-insensitive in ASCII only (SQL: translate()).
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

KINDS = frozenset(UsageRecord.Kind.values)
ZONES = frozenset(UsageRecord.Zone.values)
DIRECTIONS = frozenset(UsageRecord.Direction.values)
Kind, Unit = UsageRecord.Kind, UsageRecord.Unit
# The kinds that go one way or the other; data and third-party charges are always "out".
DIRECTED = frozenset({Kind.VOICE, Kind.SMS, Kind.MMS})
# The units each kind may come in, and the factor to its stored unit.
UNITS: dict[str, dict[str, tuple[str, Decimal | None]]] = {
    Kind.VOICE: {"seconds": (Unit.SECONDS, None), "s": (Unit.SECONDS, None)},
    Kind.SMS: {"messages": (Unit.MESSAGES, None)},
    Kind.MMS: {"messages": (Unit.MESSAGES, None)},
    Kind.DATA: {"mb": (Unit.MB, None), "kb": (Unit.MB, KB_PER_MB)},
}

REASONS = {
    "empty": _("The file is empty."),
    "no_records": _("The file has a header but no usage records."),
    "not_gzip": _("The file starts like a gzip file but cannot be uncompressed."),
    "columns_missing": _("The header lacks the columns: %(value)s."),
    "columns_unknown": _("The header has unknown columns: %(value)s."),
    "columns_twice": _("The header names a column twice: %(value)s."),
    "field_count": _("This row has %(value)s fields; the header has a different number."),
    "not_utf8": _("This row is not UTF-8 text."),
    "required": _("The column %(value)s is empty."),
    "too_long": _("The column %(value)s is too long."),
    "bad_number": _("%(value)s is not a mobile number."),
    "unknown_number": _("No line has the number %(value)s."),
    "bad_time": _("%(value)s is not a start time with a time zone, such as 2026-03-01T08:15:00Z."),
    "unknown_kind": _("Unknown type %(value)s: use voice, sms, mms, data or third_party."),
    "unknown_zone": _("Unknown zone %(value)s: use national, eu, world_1, world_2, world_3 or international."),
    "unknown_unit": _(
        "The unit %(value)s does not fit the type: voice in seconds, sms and mms in messages, data in mb or kb."
    ),
    "unknown_direction": _("Unknown direction %(value)s: use out or in."),
    "direction_not_allowed": _("Only voice, sms and mms records come in: data and third-party charges are out."),
    "bad_quantity": _("The quantity %(value)s is not a number."),
    "negative_quantity": _("The quantity %(value)s is negative."),
    "bad_amount": _("The amount %(value)s is not an amount in EUR such as 2.50."),
    "negative_amount": _("The amount %(value)s is negative."),
    "amount_not_allowed": _("Only third-party charges have an amount and a merchant."),
    "quantity_not_allowed": _("A third-party charge has an amount, not a quantity or unit."),
    "duplicate_in_file": _("The record id %(value)s is already on an earlier row of this file."),
}


def reason_text(code: str, detail: str = "") -> str:
    """The sentence for a reason code, in the active language."""
    message = REASONS.get(code)
    return str(message) % {"value": detail} if message is not None else code


class FileError(Exception):
    """The whole file is unusable (empty, wrong header, broken gzip): nothing of it is ingested."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail


class Parsed(NamedTuple):
    row: int
    record_id: str
    number: str  # as written; the action resolves it to a line
    started_at: datetime
    kind: str
    zone: str
    quantity: Decimal
    unit: str
    amount: Decimal | None
    merchant: str
    direction: str


@dataclass(frozen=True)
class Bad:
    row: int
    code: str
    detail: str = ""


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "…"


def ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if _DECIMAL.fullmatch(text) else None


def _rounded(value: Decimal, quantum: Decimal, factor: Decimal | None = None) -> Decimal:
    """`value` (× `factor`, exactly) rounded half away from zero, as PostgreSQL's round()."""
    with localcontext() as context:
        context.prec = len(str(value)) + 40  # exact whatever the digits written
        if factor is not None:
            value *= factor
        return value.quantize(quantum, rounding=ROUND_HALF_UP)


def parse_time(text: str) -> datetime | None:
    if not _TIME.fullmatch(text):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:  # a day the month does not have
        return None
    return value.astimezone(UTC)


def normalise_number(text: str) -> str | None:
    """A number as written → E.164, None when it is not a mobile number."""
    if _E164.fullmatch(text):
        return text  # E.164 already: the mediation's usual form, no need to parse it
    try:
        return parse_mobile(text)
    except InvalidNumber:
        return None


def check(row: int, values: Mapping[str, str]) -> Parsed | Bad:
    """One record's values (column → text, stripped) checked and normalised."""
    for column in REQUIRED:
        if not values.get(column):
            return Bad(row, "required", column)
    record_id = values["record_id"]
    if len(record_id) > RECORD_ID_MAX:
        return Bad(row, "too_long", "record_id")
    started_at = parse_time(values["started_at"])
    if started_at is None:
        return Bad(row, "bad_time", _short(values["started_at"]))
    kind = ascii_lower(values["kind"])
    if kind not in KINDS:
        return Bad(row, "unknown_kind", _short(values["kind"]))
    zone = ascii_lower(values["zone"])
    if zone not in ZONES:
        return Bad(row, "unknown_zone", _short(values["zone"]))
    direction = ascii_lower(values.get("direction", "")) or UsageRecord.Direction.OUT
    if direction not in DIRECTIONS:
        return Bad(row, "unknown_direction", _short(values["direction"]))
    if direction != UsageRecord.Direction.OUT and kind not in DIRECTED:
        return Bad(row, "direction_not_allowed")
    quantity_text, unit_text = values.get("quantity", ""), values.get("unit", "")
    amount_text, merchant = values.get("amount", ""), values.get("merchant", "")
    if kind == Kind.THIRD_PARTY:
        if quantity_text or unit_text:
            return Bad(row, "quantity_not_allowed")
        if not amount_text:
            return Bad(row, "required", "amount")
        if not merchant:
            return Bad(row, "required", "merchant")
        if len(merchant) > MERCHANT_MAX:
            return Bad(row, "too_long", "merchant")
        amount = _decimal(amount_text)
        if amount is None or abs(amount) >= MAX_AMOUNT:
            return Bad(row, "bad_amount", _short(amount_text))
        if amount < 0:
            return Bad(row, "negative_amount", _short(amount_text))
        return Parsed(
            row,
            record_id,
            values["number"],
            started_at,
            kind,
            zone,
            Decimal(0),
            Unit.NONE,
            _rounded(amount, CENT_QUANTUM),
            merchant,
            direction,
        )
    if amount_text or merchant:
        return Bad(row, "amount_not_allowed")
    if not quantity_text:
        return Bad(row, "required", "quantity")
    unit = UNITS[kind].get(ascii_lower(unit_text))
    if unit is None:
        return Bad(row, "unknown_unit", _short(unit_text) or "—")
    quantity = _decimal(quantity_text)
    if quantity is None or abs(quantity) >= MAX_QUANTITY:
        return Bad(row, "bad_quantity", _short(quantity_text))
    if quantity < 0:
        return Bad(row, "negative_quantity", _short(quantity_text))
    stored_unit, divisor = unit
    return Parsed(
        row,
        record_id,
        values["number"],
        started_at,
        kind,
        zone,
        _rounded(quantity, QUANTUM, None if divisor is None else 1 / divisor),
        stored_unit,
        None,
        "",
        direction,
    )


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream's lines, uncompressed when it is gzip (told by its first bytes)."""
    reader: Any = stream if hasattr(stream, "peek") else io.BufferedReader(cast(Any, stream))
    head = reader.peek(2)[:2]
    if not head:
        raise FileError("empty")
    source: Iterable[bytes] = gzip.GzipFile(fileobj=reader) if head == GZIP_MAGIC else reader
    try:
        yield from source
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise FileError("not_gzip") from exc


class _Decoded:
    """Decodes each line for `csv`, remembering which physical lines were not UTF-8."""

    def __init__(self, lines: Iterator[bytes], number: int = 0):
        self.lines = lines
        self.number = number  # of the line before the first
        self.not_utf8: list[int] = []

    def __iter__(self) -> Iterator[str]:
        for raw in self.lines:
            self.number += 1
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte-order mark, as spreadsheet programs write
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.not_utf8.append(self.number)
                yield "\n"  # an empty row in its place: csv skips it, the row is reported


def header_names(header: Sequence[str] | None) -> list[str]:
    """The header's column names, lower case; FileError when it is not the documented one."""
    if header is None or not any(cell.strip() for cell in header):
        raise FileError("empty")
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in COLUMNS if column not in names and column not in OPTIONAL]
    if missing:
        raise FileError("columns_missing", ", ".join(missing))
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise FileError("columns_unknown", _short(", ".join(unknown)))
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise FileError("columns_twice", ", ".join(twice))
    return names


def is_blank(fields: Sequence[str]) -> bool:
    """An empty line, or one of only whitespace: skipped, not a record."""
    return not fields or (len(fields) == 1 and not fields[0].strip())


def read_csv(stream: IO[bytes]) -> Iterator[Parsed | Bad]:
    """Every record of a CSV (or gzip of it) file, checked, in file order; raises FileError for
    a file that is unusable as a whole. Row numbers are the file's lines (the header is row 1)."""
    decoded = _Decoded(_lines(stream))
    reader = csv.reader(decoded)
    header = next(reader, None)
    if decoded.not_utf8 == [1]:
        raise FileError("not_utf8")
    names = header_names(header)
    width = len(names)
    seen = 0
    for fields in reader:
        while decoded.not_utf8:
            seen += 1
            yield Bad(decoded.not_utf8.pop(0), "not_utf8")
        if is_blank(fields):
            continue
        row = reader.line_num
        seen += 1
        if len(fields) != width:
            yield Bad(row, "field_count", str(len(fields)))
            continue
        yield check(row, dict(zip(names, map(str.strip, fields), strict=True)))
    for line in decoded.not_utf8:
        seen += 1
        yield Bad(line, "not_utf8")
    if not seen:
        raise FileError("no_records")


def read_records(records: Iterable[Mapping[str, Any]]) -> Iterator[Parsed | Bad]:
    """The records of an API batch (item 1 is row 1), checked like a file's rows."""
    for row, record in enumerate(records, start=1):
        values = {column: "" if record.get(column) is None else str(record[column]).strip() for column in COLUMNS}
        yield check(row, values)
