"""The two ingest paths give the same reports (F-55, R5, P4): whatever the backend runs — the
SQL checks on PostgreSQL (`ingest_sql`), the Python checks on SQLite — a file's bad rows, their
reasons and details, and the stored values are those `ingest.check` gives for its rows. The
files mix plain chunks (split by the server) and quoted ones (Python's csv reader). A record is
its id on both, whatever month it starts in (PostgreSQL's key table, migration 0006)."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.core.actor import SYSTEM
from fleetportal.fleet.models import Line
from fleetportal.usage import actions
from fleetportal.usage.ingest import COLUMNS, WHITESPACE, Bad, Parsed, normalise_number, read_csv, read_records
from fleetportal.usage.models import IngestError, IngestJob, UsageRecord

from .conftest import run_ingest

pytestmark = pytest.mark.django_db

_serial = count()
KNOWN = ("+32470100001", "0470 10 00 02", "+32 470 10 00 03")  # the `lines` fixture's, as written
NUMBERS = [*KNOWN, "+32470999999", "12", "+3247010000", "0470100001", "", " +32470100001 "]
TIMES = [
    "2026-03-01T08:15:00Z",
    "2026-03-01 08:15Z",
    "2026-03-31T23:30:00+02:00",
    "2026-02-29T10:00:00Z",
    "2028-02-29T10:00:00.123456+0100",
    "2026-04-31T10:00:00Z",
    "2026-03-01T08:15:00",
    "2026-03-01T24:00:00Z",
    "2026-03-01T08:15:00.1234567Z",
    "2026-03-01T08:15:00z",
    "tomorrow",
    "",
]
KINDS = ["voice", "SMS", "mms", "Data", "third_party", "video", "", "DATA "]
ZONES = ["national", "EU", "world_1", "world_3", "international", "mars", ""]
# (SQLite keeps a decimal in a double: ~15 significant digits, so no larger quantity is drawn)
QUANTITIES = ["1", "0", "-0", "2.5", ".5", "5.", "+3", "-1", "1e3", "1_000", "NaN", "999999.99", "1000000000", "x"]
QUANTITIES += ["0.00000000005", "1.000000000050", ""]
UNITS = ["seconds", "s", "messages", "MB", "kb", "KB", "gb", ""]
AMOUNTS = ["", "2.50", "0.00005", "-1", "10000000", "abc", "9999999.99995"]
MERCHANTS = ["", "4411 parking", "x" * 101]
DIRECTIONS = ["", "out", "IN", "sideways"]


@st.composite
def rows(draw: st.DrawFn) -> list[str]:
    """One record's fields (in COLUMNS order), good or bad in every way the format names."""
    record_id = draw(st.sampled_from(["", "x" * 65, *(f"D{n}" for n in range(4))]))
    values = [
        record_id,
        draw(st.sampled_from(NUMBERS)),
        draw(st.sampled_from(TIMES)),
        draw(st.sampled_from(KINDS)),
        draw(st.sampled_from(ZONES)),
        draw(st.sampled_from(QUANTITIES)),
        draw(st.sampled_from(UNITS)),
        draw(st.sampled_from(AMOUNTS)),
        draw(st.sampled_from(MERCHANTS)),
        draw(st.sampled_from(DIRECTIONS)),
    ]
    if draw(st.integers(0, 3)):  # mostly a record well-formed but for its quantity or amount
        kind = draw(st.sampled_from(["voice", "data", "third_party", "sms"]))
        values[1] = draw(st.sampled_from(KNOWN))
        values[2] = draw(st.sampled_from(TIMES[:5]))
        values[4] = draw(st.sampled_from(ZONES[:5]))
        unit = {"voice": "seconds", "data": draw(st.sampled_from(["mb", "KB"])), "sms": "messages"}.get(kind, "")
        if kind == "third_party":
            values[5:9] = ["", "", draw(st.sampled_from(AMOUNTS[1:])), "parking"]
        else:
            values[5:9] = [draw(st.sampled_from(QUANTITIES[:-1])), unit, "", ""]
        values[3] = kind
    return values


def _file(records: list[list[str]], quoted_from: int, padded: bool) -> bytes:
    """The CSV: plain lines up to `quoted_from`, every field quoted after it (csv's path)."""
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for n, values in enumerate(records):
        if padded:
            values = [f" {v}\u00a0" for v in values]
        if n < quoted_from:
            out.write(",".join(v.replace(",", ";") for v in values) + "\n")
        else:
            csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(values)
    return out.getvalue().encode()


def _unique(records: list[list[str]]) -> list[list[str]]:
    """Record ids of this example only (R5 would otherwise count earlier examples' ids)."""
    serial = next(_serial)
    return [[f"{v}-{serial}" if i == 0 and v.startswith("D") else v for i, v in enumerate(r)] for r in records]


def expected(items: Iterator[Parsed | Bad], lines: dict[str, int]) -> tuple[list[tuple[int, str, str]], dict]:
    """The reports and stored values `ingest.check` gives, numbers and duplicates as the action
    resolves them."""
    bad: list[tuple[int, str, str]] = []
    good: dict[str, tuple] = {}
    for item in items:
        if isinstance(item, Bad):
            bad.append((item.row, item.code, item.detail))
            continue
        number = normalise_number(item.number)
        if number is None or number not in lines:
            bad.append((item.row, "bad_number" if number is None else "unknown_number", item.number[:60]))
        elif item.record_id in good:
            bad.append((item.row, "duplicate_in_file", item.record_id[:60]))
        else:
            good[item.record_id] = (
                lines[number],
                item.started_at,
                item.kind,
                item.zone,
                item.quantity,
                item.unit,
                item.amount,
                item.merchant,
                item.direction,
            )
    return sorted(bad), good


def reported(job: IngestJob) -> tuple[list[tuple[int, str, str]], dict]:
    bad = sorted(IngestError.objects.filter(job=job).values_list("row", "code", "detail"))
    good = {
        r[0]: r[1:]
        for r in UsageRecord.objects.filter(job=job).values_list(
            "record_id", "line_id", "started_at", "kind", "zone", "quantity", "unit", "amount", "merchant", "direction"
        )
    }
    return bad, good


def _lines_by_number(lines: list[Line]) -> dict[str, int]:
    return {line.msisdn: line.pk for line in lines}


@pytest.mark.spec("F-55", "R5", "P4")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(rows(), min_size=1, max_size=25), st.integers(min_value=0, max_value=25), st.booleans())
def test_a_file_s_reports_and_records_are_those_of_the_python_checks(
    lines: list[Line], monkeypatch: pytest.MonkeyPatch, records: list[list[str]], quoted_from: int, padded: bool
) -> None:
    monkeypatch.setattr(actions, "SQL_CHUNK", 7)  # several chunks, plain ones and parsed ones
    data = _file(_unique(records), quoted_from, padded)
    job = run_ingest(data)
    want = expected(read_csv(io.BytesIO(data)), _lines_by_number(lines))
    assert reported(job) == want
    assert (job.rows, job.ingested, job.bad) == (len(records), len(want[1]), len(want[0]))


@pytest.mark.spec("F-55", "R5", "P4")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(rows(), min_size=1, max_size=20))
def test_an_api_batch_s_reports_and_records_are_those_of_the_python_checks(
    lines: list[Line], records: list[list[str]]
) -> None:
    batch = [dict(zip(COLUMNS, values, strict=True)) for values in _unique(records)]
    job = actions.usage_job_create(actor=SYSTEM, source=IngestJob.Source.API, file_name="batch")
    job = actions.usage_ingest_records(actor=SYSTEM, job=job, records=batch)
    assert reported(job) == expected(read_records(batch), _lines_by_number(lines))


@pytest.mark.spec("F-55", "P4")
@pytest.mark.parametrize(
    ("lines_of_file", "rows_reported"),
    [
        (["", "   ", "R1,+32470100001,2026-03-01T08:00:00Z,data,national,1,mb,,,"], []),
        (["R1,+32470100001,2026-03-01T08:00:00Z,data,national,1,mb,,", ","], [(2, "field_count"), (3, "field_count")]),
        (['R1,"+32470100001",2026-03-01T08:00:00Z,data,national,1,mb,,,', "R2,x"], [(3, "field_count")]),
    ],
)
def test_blank_lines_are_skipped_and_short_rows_reported_on_either_path(
    lines: list[Line], lines_of_file: list[str], rows_reported: list[tuple[int, str]]
) -> None:
    data = ("\n".join([",".join(COLUMNS), *lines_of_file]) + "\n").encode()
    job = run_ingest(data)
    assert list(IngestError.objects.filter(job=job).values_list("row", "code")) == rows_reported


@pytest.mark.spec("F-55", "P4")
def test_the_whitespace_stripped_in_sql_is_what_python_strips() -> None:
    assert set(WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


@pytest.mark.spec("F-55", "P4")
def test_a_kb_quantity_is_rounded_half_away_from_zero_on_either_path(lines: list[Line]) -> None:
    head = ",".join(COLUMNS)
    job = run_ingest(f"{head}\nK1,+32470100001,2026-03-01T08:00:00Z,data,national,0.5,kb,,,\n".encode())
    assert job.ingested == 1
    assert UsageRecord.objects.get(record_id="K1").quantity == Decimal("0.0004882813")  # 0.00048828125
