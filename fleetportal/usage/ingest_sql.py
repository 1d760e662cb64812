"""The PostgreSQL path of the ingest (F-55, R5, P4): the raw text goes into the database and the
rows are checked there, set-based, by the rules of `ingest` written as SQL.

Python only cuts the file into chunks of lines. A chunk of plain lines (no quote, backslash,
carriage return other than CRLF, NUL, and valid UTF-8: what the mediation writes) is COPYed as
it is, one line a row, and split on commas by the server; from the first chunk that is not
plain on, the rest of the file is read by Python's csv reader (quoted fields may span lines)
and its fields COPYed one column each. Then, per chunk, in SQL: the checks of `ingest.check`
(one CASE, in the same order, giving the same reason codes and details), the numbers joined to
their lines (the numbers not in E.164 parsed once each by `ingest.normalise_number`), the good
rows inserted ON CONFLICT (record_id) DO NOTHING, the bad ones written as `IngestError` rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import IO, Any

from django.conf import settings
from django.db import connection

from fleetportal.fleet.models import Line

from .ingest import (
    CENT_QUANTUM,
    COLUMNS,
    DECIMAL_PATTERN,
    DIRECTED,
    DIRECTIONS,
    E164_PATTERN,
    KINDS,
    MAX_AMOUNT,
    MAX_QUANTITY,
    MERCHANT_MAX,
    QUANTUM,
    RECORD_ID_MAX,
    REQUIRED,
    TIME_PATTERN,
    UNITS,
    WHITESPACE,
    ZONES,
    FileError,
    _Decoded,
    _lines,
    header_names,
    is_blank,
    normalise_number,
)
from .models import IngestError, IngestJob, UsageRecord

BOM = b"\xef\xbb\xbf"
NOT_PLAIN = (b'"', b"\\", b"\r", b"\x00", b"\x01")  # bytes COPY's text format would read otherwise
WIDTH = len(COLUMNS)  # the most columns a valid header has
LINES, FIELDS, CHECKED, NUMBERS = "usage_raw_lines", "usage_raw_fields", "usage_checked", "usage_numbers"
_TEMP_TABLES = {
    LINES: "n bigint GENERATED ALWAYS AS IDENTITY, line text",
    FIELDS: "row_no integer, width integer, " + ", ".join(f"c{i} text" for i in range(1, WIDTH + 1)),
    CHECKED: "row_no integer, code text, detail text, record_id text, number text, started_at timestamptz,"
    " kind text, zone text, quantity numeric, unit text, amount numeric, merchant text, direction text",
    NUMBERS: "written text PRIMARY KEY, e164 text, line_id bigint, customer_id bigint,"
    " resolved boolean NOT NULL DEFAULT false",
}


@dataclass
class Chunk:
    """A chunk of a file or batch: `lines` (plain lines, the first is row `first_row`) or
    `rows` ((row, fields) — fields None for a row that is not UTF-8)."""

    names: list[str]
    first_row: int = 0
    lines: bytes = b""
    rows: Sequence[tuple[int, Sequence[str] | None]] = ()


@dataclass(frozen=True)
class Counts:
    rows: int
    inserted: int
    duplicates: int
    bad: int
    last_row: int


# --- cutting the input into chunks -----------------------------------------------------------


def file_chunks(stream: IO[bytes], size: int) -> Iterator[Chunk]:
    """The file's records in chunks of `size` lines; FileError as `ingest.read_csv` raises it."""
    lines = _lines(stream)
    first = next(lines, b"")
    try:
        header = first.removeprefix(BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError("not_utf8") from exc
    names = header_names(next(csv.reader([header]), None))
    line_no, seen = 1, False
    while block := list(islice(lines, size)):
        data = b"".join(block).replace(b"\r\n", b"\n")
        text = _plain(data)
        if text is None:
            seen |= yield from _parsed(names, line_no, chain(block, lines), size)
            break
        seen = seen or not (not text or text.isspace())
        yield Chunk(names, first_row=line_no + 1, lines=data)
        line_no += len(block)
    if not seen:
        raise FileError("no_records")


def _plain(data: bytes) -> str | None:
    if any(mark in data for mark in NOT_PLAIN):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _parsed(names: list[str], after: int, lines: Iterator[bytes], size: int) -> Iterator[Chunk]:
    """The rest of the file through the csv reader (row numbers go on after line `after`);
    returns whether it held a record."""
    decoded = _Decoded(lines, number=after)
    reader = csv.reader(decoded)
    rows: list[tuple[int, Sequence[str] | None]] = []
    seen = False
    for fields in reader:
        rows += [(line, None) for line in decoded.not_utf8]
        decoded.not_utf8.clear()
        if not is_blank(fields):
            rows.append((after + reader.line_num, fields))
        if len(rows) >= size:
            seen = True
            yield Chunk(names, rows=rows)
            rows = []
    rows += [(line, None) for line in decoded.not_utf8]
    if rows:
        yield Chunk(names, rows=rows)
    return seen or bool(rows)


def batch_chunks(records: Iterable[Mapping[str, Any]], size: int) -> Iterator[Chunk]:
    """An API batch (item 1 is row 1) in chunks, its values as text."""
    names = list(COLUMNS)
    numbered = (
        (row, ["" if record.get(c) is None else str(record[c]) for c in names])
        for row, record in enumerate(records, start=1)
    )
    while rows := list(islice(numbered, size)):
        yield Chunk(names, rows=rows)


# --- the checks as SQL -------------------------------------------------------------------------


def _list(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))  # the model's own choices: no quotes


def _short(expression: str) -> str:
    """`ingest._short` in SQL."""
    return f"(CASE WHEN char_length({expression}) <= 60 THEN {expression} ELSE left({expression}, 57) || '…' END)"


def _lower(expression: str) -> str:
    return f"translate({expression}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"


_PAIRS = {f"{kind}:{unit}": stored for kind, units in UNITS.items() for unit, stored in units.items()}
_CHECKS = f"""
CASE
  WHEN width IS NULL THEN ARRAY['not_utf8', '']
  WHEN width <> %(width)s THEN ARRAY['field_count', width::text]
  {" ".join(f"WHEN {c} = '' THEN ARRAY['required', '{c}']" for c in REQUIRED)}
  WHEN char_length(record_id) > {RECORD_ID_MAX} THEN ARRAY['too_long', 'record_id']
  WHEN started_at !~ %(time)s THEN ARRAY['bad_time', {_short("started_at")}]
  WHEN substr(started_at, 9, 2)::int > extract(day FROM make_date(substr(started_at, 1, 4)::int,
    substr(started_at, 6, 2)::int, 1) + interval '1 month - 1 day') THEN ARRAY['bad_time', {_short("started_at")}]
  WHEN kind NOT IN ({_list(KINDS)}) THEN ARRAY['unknown_kind', {_short("kind_text")}]
  WHEN zone NOT IN ({_list(ZONES)}) THEN ARRAY['unknown_zone', {_short("zone_text")}]
  WHEN direction NOT IN ('', {_list(DIRECTIONS)}) THEN ARRAY['unknown_direction', {_short("direction_text")}]
  WHEN direction NOT IN ('', '{UsageRecord.Direction.OUT}') AND kind NOT IN ({_list(DIRECTED)})
    THEN ARRAY['direction_not_allowed', '']
  WHEN kind = '{UsageRecord.Kind.THIRD_PARTY}' THEN CASE
    WHEN quantity <> '' OR unit_text <> '' THEN ARRAY['quantity_not_allowed', '']
    WHEN amount = '' THEN ARRAY['required', 'amount']
    WHEN merchant = '' THEN ARRAY['required', 'merchant']
    WHEN char_length(merchant) > {MERCHANT_MAX} THEN ARRAY['too_long', 'merchant']
    WHEN amount !~ %(decimal)s THEN ARRAY['bad_amount', {_short("amount")}]
    WHEN abs(amount::numeric) >= {MAX_AMOUNT} THEN ARRAY['bad_amount', {_short("amount")}]
    WHEN amount::numeric < 0 THEN ARRAY['negative_amount', {_short("amount")}]
  END
  WHEN amount <> '' OR merchant <> '' THEN ARRAY['amount_not_allowed', '']
  WHEN quantity = '' THEN ARRAY['required', 'quantity']
  WHEN kind || ':' || {_lower("unit_text")} NOT IN ({_list(_PAIRS)})
    THEN ARRAY['unknown_unit', coalesce(nullif({_short("unit_text")}, ''), '—')]
  WHEN quantity !~ %(decimal)s THEN ARRAY['bad_quantity', {_short("quantity")}]
  WHEN abs(quantity::numeric) >= {MAX_QUANTITY} THEN ARRAY['bad_quantity', {_short("quantity")}]
  WHEN quantity::numeric < 0 THEN ARRAY['negative_quantity', {_short("quantity")}]
END"""
_THIRD = f"kind = '{UsageRecord.Kind.THIRD_PARTY}'"
_PAIR = f"kind || ':' || {_lower('unit_text')}"
_STORED_UNIT = " ".join(f"WHEN '{pair}' THEN '{stored}'" for pair, (stored, _) in _PAIRS.items())
_FACTORS = " ".join(
    f"WHEN '{pair}' THEN {1 / divisor}" for pair, (_, divisor) in _PAIRS.items() if divisor is not None
)
_TYPED = f"""
  row_no, problem[1], problem[2], record_id, number,
  CASE WHEN problem IS NULL THEN started_at::timestamptz END,
  kind, zone,
  CASE WHEN problem IS NOT NULL OR {_THIRD} THEN 0
    ELSE round(quantity::numeric * CASE {_PAIR} {_FACTORS} ELSE 1 END, {-QUANTUM.as_tuple().exponent}) END,
  CASE WHEN {_THIRD} THEN '' ELSE CASE {_PAIR} {_STORED_UNIT} END END,
  CASE WHEN problem IS NULL AND {_THIRD} THEN round(amount::numeric, {-CENT_QUANTUM.as_tuple().exponent}) END,
  CASE WHEN {_THIRD} THEN merchant ELSE '' END,
  coalesce(nullif(direction, ''), '{UsageRecord.Direction.OUT}')"""


def _source(chunk: Chunk) -> str:
    """The chunk's rows as (row_no, width, c1 … c10): its fields, not yet stripped."""
    if chunk.lines:
        fields = ", ".join(f"f[{i}] AS c{i}" for i in range(1, WIDTH + 1))
        return (
            f"SELECT %(base)s + n AS row_no, cardinality(f) AS width, {fields} FROM"  # noqa: S608
            f" (SELECT n, string_to_array(line, ',') AS f FROM {LINES} WHERE btrim(line, %(ws)s) <> '') lines"
        )
    return f"SELECT row_no, width, {', '.join(f'c{i}' for i in range(1, WIDTH + 1))} FROM {FIELDS}"  # noqa: S608


def _values(names: list[str]) -> str:
    """Each column by its name, stripped (and the case-insensitive ones lower-cased)."""

    def column(name: str) -> str:
        return f"btrim(c{names.index(name) + 1}, %(ws)s)" if name in names else "''"

    parts = [f"{column(name)} AS {name}" for name in COLUMNS if name not in ("kind", "zone", "direction", "unit")]
    parts += [f"{column(name)} AS {name}_text" for name in ("kind", "zone", "direction", "unit")]
    return ", ".join(parts)


def _checked_sql(chunk: Chunk) -> str:
    lowered = ", ".join(f"{_lower(f'{name}_text')} AS {name}" for name in ("kind", "zone", "direction"))
    return (
        f"INSERT INTO {CHECKED} SELECT {_TYPED} FROM ("  # noqa: S608
        f" SELECT v.*, {_CHECKS} AS problem FROM ("
        f"  SELECT {lowered}, * FROM ("
        f"   SELECT row_no, width, {_values(chunk.names)} FROM ({_source(chunk)}) raw"
        "    WHERE row_no > %(last_row)s OFFSET 0) named) v"
        " OFFSET 0) checked"
    )


# --- storing a chunk ---------------------------------------------------------------------------


def start_job(cursor: Any) -> None:
    """The session's scratch tables, the numbers of an earlier job forgotten (lines change)."""
    for name, columns in _TEMP_TABLES.items():
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})")
    cursor.execute(f"TRUNCATE {NUMBERS}")


def store(cursor: Any, job: IngestJob, chunk: Chunk, room: int, now: Any) -> Counts:
    """Stage, check and insert one chunk (its rows after the job's `last_row`); at most `room`
    of its bad rows are written."""
    cursor.execute(f"TRUNCATE {LINES}, {FIELDS}, {CHECKED} RESTART IDENTITY")
    if chunk.lines:
        with cursor.cursor.copy(f"COPY {LINES} (line) FROM STDIN (FORMAT text, DELIMITER E'\\x01')") as copy:
            copy.write(chunk.lines)
    else:
        width = len(chunk.names)
        with cursor.cursor.copy(f"COPY {FIELDS} FROM STDIN") as copy:
            for row, fields in chunk.rows:
                if fields is None or len(fields) != width:  # a check of its own: no field is read
                    copy.write_row((row, None if fields is None else len(fields), *[None] * WIDTH))
                else:
                    copy.write_row((row, width, *fields, *[None] * (WIDTH - width)))
    params = {
        "base": chunk.first_row - 1,
        "ws": WHITESPACE,
        "width": len(chunk.names),
        "time": TIME_PATTERN,
        "decimal": DECIMAL_PATTERN,
        "last_row": job.last_row,
    }
    cursor.execute(_checked_sql(chunk), params)
    _resolve_numbers(cursor, job.customer_id)
    cursor.execute(
        f"UPDATE {CHECKED} c SET code = CASE WHEN n.e164 IS NULL THEN 'bad_number' ELSE 'unknown_number' END,"  # noqa: S608
        f" detail = left(c.number, 60) FROM {NUMBERS} n"
        " WHERE c.code IS NULL AND n.written = c.number AND n.line_id IS NULL"
    )
    inserted = _insert(cursor, job.pk, now)
    if room > 0:
        cursor.execute(
            f"INSERT INTO {IngestError._meta.db_table} (job_id, {connection.ops.quote_name('row')}, code, detail)"  # noqa: S608
            f" SELECT %s, row_no, code, left(detail, 200) FROM {CHECKED} WHERE code IS NOT NULL ORDER BY row_no"
            " LIMIT %s",
            [job.pk, room],
        )
    cursor.execute(f"SELECT count(*), count(code), coalesce(max(row_no), 0) FROM {CHECKED}")  # noqa: S608
    rows, bad, last = cursor.fetchone()
    return Counts(rows, inserted, rows - bad - inserted, bad, last)


def _resolve_numbers(cursor: Any, customer_id: int | None) -> None:
    """The chunk's new numbers as written → E.164 (Python's parser for those not in E.164, once
    each) → the live line of the number, else its most recently stopped one (of the customer)."""
    cursor.execute(
        f"INSERT INTO {NUMBERS} (written, e164) SELECT DISTINCT number,"  # noqa: S608
        f" CASE WHEN number ~ %s THEN number END FROM {CHECKED} WHERE code IS NULL"
        " ON CONFLICT DO NOTHING RETURNING written, e164",
        [E164_PATTERN],
    )
    new = cursor.fetchall()
    if not new:
        return
    parsed = [(normalise_number(written), written) for written, e164 in new if e164 is None]
    if parsed:
        cursor.executemany(f"UPDATE {NUMBERS} SET e164 = %s WHERE written = %s", parsed)  # noqa: S608
    line = Line._meta.db_table
    mine = "AND l.customer_id = %s" if customer_id is not None else ""
    cursor.execute(
        f"UPDATE {NUMBERS} n SET resolved = true, line_id = found.id, customer_id = found.customer_id"  # noqa: S608
        f" FROM {NUMBERS} o LEFT JOIN LATERAL (SELECT l.id, l.customer_id FROM {line} l WHERE l.msisdn = o.e164"
        f" {mine} ORDER BY (l.status <> %s) DESC, l.stopped_at DESC NULLS FIRST, l.id DESC LIMIT 1) found ON true"
        " WHERE NOT o.resolved AND n.written = o.written",
        [*([customer_id] if customer_id is not None else []), Line.Status.STOPPED],
    )


def _insert(cursor: Any, job_id: int, now: Any) -> int:
    """The good rows into the records, new record ids only (R5): how many were inserted. The
    rows whose id an earlier row of the job holds are then marked `duplicate_in_file`."""
    table, row = UsageRecord._meta.db_table, connection.ops.quote_name("row")
    columns = "record_id, started_at, kind, zone, quantity, unit, amount, merchant, direction"
    cursor.execute(
        f"INSERT INTO {table} ({columns}, line_id, customer_id, period, job_id, {row}, created_at)"  # noqa: S608
        f" SELECT {', '.join(f'c.{c}' for c in columns.split(', '))}, n.line_id, n.customer_id,"
        " CAST(date_trunc('month', c.started_at AT TIME ZONE %s) AS date), %s, c.row_no, %s"
        f" FROM {CHECKED} c JOIN {NUMBERS} n ON n.written = c.number WHERE c.code IS NULL ORDER BY c.row_no"
        " ON CONFLICT (record_id) DO NOTHING",
        [settings.TIME_ZONE, job_id, now],
    )
    inserted = cursor.rowcount
    cursor.execute(f"SELECT count(*) FROM {CHECKED} WHERE code IS NULL")  # noqa: S608
    if inserted == cursor.fetchone()[0]:
        return inserted
    cursor.execute(
        f"UPDATE {CHECKED} c SET code = 'duplicate_in_file', detail = left(c.record_id, 60) FROM {table} r"  # noqa: S608
        f" WHERE c.code IS NULL AND r.record_id = c.record_id AND r.job_id = %s AND r.{row} <> c.row_no",
        [job_id],
    )
    return inserted
