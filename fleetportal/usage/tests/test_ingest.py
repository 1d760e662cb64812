"""Ingest (F-55): the documented CSV, plain or gzip, idempotent on the record id (R5), bad rows
reported with their row and reason while the good rows are kept (R3)."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.core.actor import SYSTEM
from fleetportal.core.models import AuditEvent, Customer, DomainEvent
from fleetportal.fleet.models import Line
from fleetportal.usage import actions
from fleetportal.usage.ingest import COLUMNS, reason_text
from fleetportal.usage.models import IngestError, IngestJob, UsageRecord

from .conftest import MEMBER_NUMBER, csv_bytes, record, run_ingest

pytestmark = pytest.mark.django_db

Ingest = Callable[..., IngestJob]


def errors(job: IngestJob) -> list[tuple[int, str]]:
    return list(IngestError.objects.filter(job=job).values_list("row", "code"))


def stored() -> set[tuple]:
    return set(
        UsageRecord.objects.values_list("record_id", "line_id", "started_at", "kind", "zone", "quantity", "unit")
    )


@pytest.mark.spec("F-55")
def test_a_file_becomes_records_of_its_lines(ingest: Ingest, lines: list[Line]) -> None:
    rows = [
        record(1, kind="voice", quantity="125", unit="seconds"),
        record(2, number="0470 10 00 02", kind="sms", zone="eu", quantity="1", unit="messages"),
        record(3, number="+32470100003", quantity="512", unit="kB", zone="world_1"),
        record(4, kind="third_party", quantity="", unit="", amount="2.5", merchant="4411 parking"),
    ]
    job = ingest(csv_bytes(rows))
    assert (job.status, job.rows, job.ingested, job.duplicates, job.bad) == ("done", 4, 4, 0, 0)
    by_id = {r.record_id: r for r in UsageRecord.objects.all()}
    assert by_id["R1"].line == lines[0] and by_id["R1"].customer == lines[0].customer
    assert (by_id["R1"].quantity, by_id["R1"].unit) == (Decimal(125), "seconds")
    assert by_id["R2"].line == lines[1]
    assert (by_id["R3"].quantity, by_id["R3"].unit) == (Decimal("0.5"), "mb")  # kB / 1024
    assert (by_id["R4"].amount, by_id["R4"].merchant, by_id["R4"].unit) == (Decimal("2.5"), "4411 parking", "")
    assert by_id["R1"].started_at.isoformat() == "2026-03-01T08:01:00+00:00"
    assert by_id["R1"].row == 2  # the header is row 1


@pytest.mark.spec("F-55")
def test_times_with_an_offset_are_stored_in_utc(ingest: Ingest, lines: list[Line]) -> None:
    ingest(csv_bytes([record(1, started_at="2026-03-01T10:00:00+02:00")]))
    assert UsageRecord.objects.get().started_at.isoformat() == "2026-03-01T08:00:00+00:00"


@pytest.mark.spec("F-55", "R5")
def test_the_same_file_twice_counts_once(ingest: Ingest, lines: list[Line]) -> None:
    data = csv_bytes([record(n) for n in range(1, 11)])
    first, second = ingest(data), ingest(data)
    assert (first.ingested, first.duplicates) == (10, 0)
    assert (second.ingested, second.duplicates, second.bad) == (0, 10, 0)
    assert UsageRecord.objects.count() == 10
    assert not IngestError.objects.exists()


@pytest.mark.spec("F-55", "R5")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=30))
def test_ingesting_rows_twice_equals_once(lines: list[Line], ids: list[int]) -> None:
    UsageRecord.objects.all().delete()
    data = csv_bytes([record(n) for n in dict.fromkeys(ids)])
    run_ingest(data)
    once = stored()
    again = run_ingest(data)
    assert stored() == once and again.ingested == 0 and again.duplicates == len(once)


@pytest.mark.spec("F-55", "R5")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data(), st.integers(min_value=1, max_value=30))
def test_a_file_split_in_chunks_in_any_order_gives_the_same_records(
    lines: list[Line], data: st.DataObject, size: int
) -> None:
    UsageRecord.objects.all().delete()
    numbers = [line.msisdn for line in lines]
    rows = [record(n, number=numbers[n % 3]) for n in range(size)]
    run_ingest(csv_bytes(rows))
    whole = stored()
    UsageRecord.objects.all().delete()
    cuts = sorted(data.draw(st.sets(st.integers(min_value=1, max_value=max(size - 1, 1)), max_size=4)))
    parts = [rows[a:b] for a, b in zip([0, *cuts], [*cuts, size], strict=True) if rows[a:b]]
    order = data.draw(st.permutations(parts))
    overlap = data.draw(st.booleans())  # a part sent twice changes nothing either
    for part in [*order, *(order[:1] if overlap else [])]:
        run_ingest(csv_bytes(part))
    assert stored() == whole


@pytest.mark.spec("F-55", "R5")
def test_chunks_of_one_file_commit_as_they_go_and_catch_duplicates_across_them(
    ingest: Ingest, lines: list[Line], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "CHUNK", 3)
    monkeypatch.setattr(actions, "SQL_CHUNK", 3)
    rows = [record(n) for n in range(1, 8)] + [record(2), record(7)]  # R2, R7 again on rows 9, 10
    job = ingest(csv_bytes(rows))
    assert (job.rows, job.ingested, job.duplicates, job.bad) == (9, 7, 0, 2)
    assert errors(job) == [(9, "duplicate_in_file"), (10, "duplicate_in_file")]


@pytest.mark.spec("F-55", "R5")
def test_a_retried_job_goes_on_after_its_last_committed_chunk(
    ingest: Ingest, lines: list[Line], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "CHUNK", 2)
    monkeypatch.setattr(actions, "SQL_CHUNK", 2)
    data = csv_bytes([record(n) for n in range(1, 6)])
    job = actions.usage_job_create(actor=SYSTEM, source="command", file_name="f")
    calls = {"n": 0}
    real = actions._ingest_chunk

    def dying(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, "_ingest_chunk", dying)
    with pytest.raises(RuntimeError):
        actions.usage_ingest(actor=SYSTEM, job=job, stream=io.BytesIO(data))
    job.refresh_from_db()
    assert (job.rows, job.last_row) == (2, 3)
    done = actions.usage_ingest(actor=SYSTEM, job=job, stream=io.BytesIO(data))
    assert (done.rows, done.ingested, done.duplicates, done.bad) == (5, 5, 0, 0)


@pytest.mark.spec("F-55", "R3")
def test_bad_rows_are_reported_with_row_and_reason_and_good_rows_kept(
    ingest: Ingest, lines: list[Line], other_line: Line
) -> None:
    rows = [
        record(1),
        record(2, number="+32470999999"),  # no such line
        record(3, number="+36301000001"),  # another customer's line: unknown to this customer's job
        record(4, number="hello"),
        record(5, quantity="-3"),
        record(6, started_at="2026-02-30T08:00:00Z"),
        record(7, started_at="2026-03-01 08:00:00"),  # no time zone
        record(8, kind="fax"),
        record(9, zone="mars"),
        record(10, unit="seconds"),  # data in seconds
        record(11, quantity="lots"),
        record(12, record_id=""),
        record(1),  # R1 again
        record(14, amount="3"),  # an amount on a data record
        record(15, kind="third_party", quantity="", unit="", amount="-1", merchant="x"),
        record(16, quantity="NaN"),
        record(17),
    ]
    job = ingest(csv_bytes(rows), customer=lines[0].customer)
    assert (job.status, job.rows, job.ingested, job.bad) == ("done", 17, 2, 15)
    assert errors(job) == [
        (3, "unknown_number"),
        (4, "unknown_number"),
        (5, "bad_number"),
        (6, "negative_quantity"),
        (7, "bad_time"),
        (8, "bad_time"),
        (9, "unknown_kind"),
        (10, "unknown_zone"),
        (11, "unknown_unit"),
        (12, "bad_quantity"),
        (13, "required"),
        (14, "duplicate_in_file"),
        (15, "amount_not_allowed"),
        (16, "negative_amount"),
        (17, "bad_quantity"),
    ]
    assert set(UsageRecord.objects.values_list("record_id", flat=True)) == {"R1", "R17"}
    error = IngestError.objects.get(job=job, row=3)
    assert reason_text(error.code, error.detail) == "No line has the number +32470999999."


@pytest.mark.spec("F-55", "R3")
def test_a_row_with_the_wrong_number_of_fields_is_reported(ingest: Ingest, lines: list[Line]) -> None:
    data = (
        csv_bytes([record(1)]) + b"R2,+32470100001,2026-03-01T08:00:00Z\n" + csv_bytes([record(3)]).split(b"\n", 1)[1]
    )
    job = ingest(data)
    assert (job.ingested, job.bad) == (2, 1) and errors(job) == [(3, "field_count")]


@pytest.mark.spec("F-55", "R3")
@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (csv_bytes([]), "no_records"),
        (b"record_id,number,started_at\nR1,+32470100001,2026-03-01T08:00:00Z\n", "columns_missing"),
        (csv_bytes([record(1)], columns=[*record(1), "colour"]), "columns_unknown"),
        (b"\x1f\x8b\x08\x00garbage", "not_gzip"),
        ("record_id;numéro\n".encode("latin-1"), "not_utf8"),
    ],
)
def test_an_unusable_file_is_a_clear_error_and_changes_nothing(
    ingest: Ingest, lines: list[Line], data: bytes, code: str
) -> None:
    job = ingest(data)
    assert (job.status, job.error_code) == ("failed", code)
    assert not UsageRecord.objects.exists()
    assert AuditEvent.objects.filter(action="usage.ingested", object_id=str(job.pk)).exists()
    assert not DomainEvent.objects.filter(name="usage.ingested").exists()
    assert reason_text(job.error_code, job.error_detail) != job.error_code


@pytest.mark.spec("F-55", "R3")
def test_a_row_that_is_not_utf8_is_reported_and_the_others_kept(ingest: Ingest, lines: list[Line]) -> None:
    head, *rows = csv_bytes([record(1), record(2, merchant=""), record(3)]).split(b"\n")
    rows[1] = rows[1].replace(b"R2", "R2é".encode("latin-1"))
    job = ingest(b"\n".join([head, *rows]))
    assert (job.ingested, job.bad) == (2, 1) and errors(job) == [(3, "not_utf8")]


@pytest.mark.spec("F-55")
def test_gzip_of_the_csv_and_a_byte_order_mark(ingest: Ingest, lines: list[Line]) -> None:
    job = ingest(gzip.compress(b"\xef\xbb\xbf" + csv_bytes([record(1), record(2)])), name="usage.csv.gz")
    assert (job.status, job.ingested) == ("done", 2)


@pytest.mark.spec("F-55")
def test_a_job_is_audited_and_records_its_event_for_rating(ingest: Ingest, lines: list[Line]) -> None:
    job = ingest(csv_bytes([record(1), record(2, quantity="-1")]))
    audit = AuditEvent.objects.get(action="usage.ingested")
    assert audit.object_id == str(job.pk)
    assert audit.after["ingested"] == 1 and audit.after["bad"] == 1
    event = DomainEvent.objects.get(name="usage.ingested")
    assert event.data == {"job": job.pk, "ingested": 1, "duplicates": 0, "bad": 1}


@pytest.mark.spec("F-55", "S1")
def test_a_customer_job_ignores_numbers_of_other_customers(
    ingest: Ingest, lines: list[Line], other_line: Line, customer: Customer
) -> None:
    job = ingest(csv_bytes([record(1, number=other_line.msisdn), record(2, number=MEMBER_NUMBER)]), customer=customer)
    assert (job.ingested, job.bad) == (1, 1)
    operator = ingest(csv_bytes([record(3, number=other_line.msisdn)]))
    assert operator.ingested == 1 and UsageRecord.objects.get(record_id="R3").customer == other_line.customer


@pytest.mark.spec("F-55")
def test_a_stopped_number_s_late_records_go_to_its_last_line(ingest: Ingest, lines: list[Line]) -> None:
    Line.objects.filter(pk=lines[1].pk).update(status=Line.Status.STOPPED)
    ingest(csv_bytes([record(1, number=lines[1].msisdn)]))
    assert UsageRecord.objects.get().line_id == lines[1].pk


@pytest.mark.spec("F-55")
def test_calls_and_sms_have_a_direction_and_older_files_without_it_stay_valid(
    ingest: Ingest, lines: list[Line]
) -> None:
    old = csv_bytes([record(1)], columns=[c for c in COLUMNS if c != "direction"])
    assert ingest(old).ingested == 1
    rows = [
        record(2, kind="voice", unit="seconds", direction="IN"),
        record(3, kind="sms", unit="messages", direction=""),
        record(4, kind="voice", unit="seconds", direction="sideways"),
        record(5, direction="in"),
    ]
    job = ingest(csv_bytes(rows))
    assert (job.ingested, job.bad) == (2, 2)
    assert dict(UsageRecord.objects.values_list("record_id", "direction")) == {"R1": "out", "R2": "in", "R3": "out"}
    assert errors(job) == [(4, "unknown_direction"), (5, "direction_not_allowed")]


@pytest.mark.spec("F-55")
def test_a_record_counts_in_the_month_of_its_local_start(ingest: Ingest, lines: list[Line]) -> None:
    ingest(csv_bytes([record(1, started_at="2026-03-31T22:30:00Z"), record(2, started_at="2026-03-31T21:30:00Z")]))
    periods = dict(UsageRecord.objects.values_list("record_id", "period"))
    assert {k: f"{v:%Y-%m-%d}" for k, v in periods.items()} == {"R1": "2026-04-01", "R2": "2026-03-01"}
