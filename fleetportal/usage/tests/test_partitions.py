"""The records' month partitions (issue 7, migration 0005, `usage.partitions`). On PostgreSQL:
records land in their period's partition (or DEFAULT), a record id is one record whatever
month it is sent again with (R5: the key table of migration 0006, across the partitions; a
detached month's keys stay), creating partitions ahead is idempotent, detaching a past month
takes its records out of every query and leaves the other months, rating reads the same records
wherever they lie, and the migrations move a deployed table's rows and fill its keys. On SQLite
(the plain table of before) the same tests prove that nothing of it changes the behaviour."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fleetportal.catalog.tests.factories import TariffPlanFactory
from fleetportal.core.actor import SYSTEM, Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Channel
from fleetportal.fleet.models import Line
from fleetportal.usage import ingest_sql, partitions
from fleetportal.usage.actions import usage_partition_detach, usage_rate
from fleetportal.usage.models import IngestJob, UsageCounter, UsageRecord
from fleetportal.usage.selectors import job_errors

from .conftest import csv_bytes, record, run_ingest
from .counters import usage_record

pytestmark = pytest.mark.spec("F-55", "R5")

POSTGRES = connection.vendor == "postgresql"  # SQLite keeps one plain table
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
JAN, FEB, MARCH, APRIL, JUNE = (dt.date(2026, month, 1) for month in (1, 2, 3, 4, 6))
Ingest = Callable[..., IngestJob]


@pytest.fixture(autouse=True)
def in_december(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """December 2026; the process's knowledge of partitions forgotten before and after (a test's
    partitions go with its transaction)."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    partitions._known.clear()
    yield
    partitions._known.clear()


def where() -> dict[str, str]:
    """Each record id → the table its row is in (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT record_id, tableoid::regclass::text FROM {partitions.TABLE}")  # noqa: S608
        return dict(cursor.fetchall())


def fill_factor(table: str) -> list[str] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def copy_of(original: UsageRecord, **changes: object) -> UsageRecord:
    """Another row with the original's values but for `changes`."""
    fields = UsageRecord._meta.concrete_fields
    values = {f.attname: getattr(original, f.attname) for f in fields if not f.primary_key}
    return UsageRecord.objects.create(**(values | changes))


def stored() -> set[tuple[str, dt.date]]:
    return set(UsageRecord.objects.values_list("record_id", "period"))


@pytest.mark.django_db
def test_records_land_in_the_partition_of_their_month(ingest: Ingest, lines: list[Line]) -> None:
    rows = [record(1), record(2, started_at="2026-04-30T22:30:00Z"), record(3, started_at="2019-05-01T08:00:00Z")]
    job = ingest(csv_bytes(rows))
    assert (job.ingested, job.bad) == (3, 0)
    assert stored() == {("R1", MARCH), ("R2", dt.date(2026, 5, 1)), ("R3", dt.date(2019, 5, 1))}
    if not POSTGRES:
        assert partitions.partitions() == []
        return
    # 22:30 UTC on 30 April is 1 May in Brussels: the May partition; 2019 is older than the
    # ingest makes partitions for (LOOKBACK): the DEFAULT partition takes it.
    assert where() == {"R1": "usage_usagerecord_2026_03", "R2": "usage_usagerecord_2026_05", "R3": partitions.DEFAULT}
    made = {p.period for p in partitions.partitions()}
    assert {MARCH, dt.date(2026, 5, 1), None} <= made and dt.date(2019, 5, 1) not in made
    assert fill_factor("usage_usagerecord_2026_03") == ["fillfactor=40"]  # rating's updates stay HOT (0007)
    assert partitions.ensure_months([dt.date(2019, 5, 1)]) == ["usage_usagerecord_2019_05"]  # R3 moves in
    resent = ingest(csv_bytes([record(3, started_at="2026-03-20T08:00:00Z")]))
    assert (resent.ingested, resent.duplicates) == (0, 1)  # its key stayed with it


@pytest.mark.django_db
def test_a_record_sent_again_is_refused_once(ingest: Ingest, lines: list[Line]) -> None:
    rows = [record(1), record(2, started_at="2026-04-02T08:00:00Z")]
    first, again = ingest(csv_bytes(rows)), ingest(csv_bytes([*rows, record(1)]))
    assert (first.ingested, first.duplicates) == (2, 0)
    assert (again.ingested, again.duplicates, again.bad) == (0, 3, 0)  # R1 twice in the file: both known
    assert stored() == {("R1", MARCH), ("R2", APRIL)}


@pytest.mark.django_db
def test_a_record_id_again_with_a_start_in_another_month_is_the_record_it_names(
    ingest: Ingest, lines: list[Line]
) -> None:
    """One id, one record on either database, though PostgreSQL's records lie in a partition a
    month: sent again in a later file it is a duplicate, on a later row of the same file it is
    reported as on an earlier row, and only the first stays."""
    june = record(1, started_at="2026-06-09T08:00:00Z")
    first = ingest(csv_bytes([record(1), june]))
    again = ingest(csv_bytes([june, record(3, started_at="2026-06-10T08:00:00Z"), record(3)]))
    assert (first.ingested, first.duplicates, first.bad) == (1, 0, 1)
    assert job_errors(first) == [(3, "The record id R1 is already on an earlier row of this file.")]
    assert (again.ingested, again.duplicates, again.bad) == (1, 1, 1)
    assert job_errors(again) == [(4, "The record id R3 is already on an earlier row of this file.")]
    assert stored() == {("R1", MARCH), ("R3", JUNE)}
    assert UsageRecord.objects.get(record_id="R1").job_id == first.pk


@pytest.mark.django_db
def test_creating_partitions_ahead_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    later = dt.date(2031, 1, 1)
    created = partitions.ensure_partitions(ahead=2, today=dt.date(2031, 1, 17))
    again = partitions.ensure_partitions(ahead=2, today=later)
    if not POSTGRES:
        assert (created, again, partitions.partitions()) == ([], [], [])
        with pytest.raises(CommandError, match="PostgreSQL only"):
            call_command("usage_partitions", "list")
        return
    names = ["usage_usagerecord_2031_01", "usage_usagerecord_2031_02", "usage_usagerecord_2031_03"]
    assert (created, again) == (names, [])
    mine = [(p.name, p.period) for p in partitions.partitions() if p.period is not None and p.period >= later]
    assert mine == [(name, dt.date(2031, n, 1)) for n, name in enumerate(names, start=1)]
    assert all(fill_factor(name) == ["fillfactor=40"] for name in names)
    call_command("usage_partitions", "create", "--ahead", "1")  # this month and the next, as the daily job
    assert "usage_usagerecord_2026_12" in {p.name for p in partitions.partitions()}
    call_command("usage_partitions", "list")
    listed = capsys.readouterr().out
    assert "2031-03  usage_usagerecord_2031_03" in listed and "default  usage_usagerecord_default" in listed


@pytest.mark.django_db
def test_detaching_an_old_month_takes_its_records_out_and_leaves_the_others(ingest: Ingest, lines: list[Line]) -> None:
    starts = ["2026-01-10T08:00:00Z", "2026-02-10T08:00:00Z", "2026-02-11T08:00:00Z", "2026-03-10T08:00:00Z"]
    ingest(csv_bytes([record(n, started_at=at) for n, at in enumerate(starts, start=1)]))
    manager = Actor(user=lines[0].user, channel=Channel.WEB)
    with pytest.raises(PermissionDeniedError):
        usage_partition_detach(actor=manager, period=FEB)
    if not POSTGRES:
        with pytest.raises(ActionError, match="PostgreSQL only"):
            usage_partition_detach(actor=SYSTEM, period=FEB)
        assert UsageRecord.objects.count() == 4
        return
    with pytest.raises(ActionError, match="past period") as current:
        usage_partition_detach(actor=SYSTEM, period=dt.date(2026, 12, 1))
    assert current.value.field == "period"
    with pytest.raises(ActionError, match="2025-11 has no partition"):
        usage_partition_detach(actor=SYSTEM, period=dt.date(2025, 11, 1))

    table = usage_partition_detach(actor=SYSTEM, period=dt.date(2026, 2, 14))

    assert table == "usage_usagerecord_2026_02"
    assert stored() == {("R1", JAN), ("R4", MARCH)}
    assert not UsageRecord.objects.filter(period=FEB).exists()
    resent = ingest(csv_bytes([record(2, started_at=starts[1]), record(3, started_at="2026-03-11T08:00:00Z")]))
    assert (resent.ingested, resent.duplicates) == (0, 2)  # a detached month's ids stay taken
    assert FEB not in {p.period for p in partitions.partitions()}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        assert cursor.fetchone()[0] == 2  # kept apart, to archive
    audit = AuditEvent.objects.get(action="usage.partition_detached")
    assert audit.after == {"period": "2026-02-01", "table": table}
    usage_rate(actor=SYSTEM, periods=[MARCH])  # the other months rate as before
    assert UsageCounter.objects.get(line=lines[0], period=MARCH).records == 1
    call_command("usage_partitions", "detach", "--period", "2026-01")  # the operator's way
    assert stored() == {("R4", MARCH)}
    with pytest.raises(CommandError, match="has no partition"):
        call_command("usage_partitions", "detach", "--period", "2026-01")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("usage_partitions", "detach", "--period", "January")


@pytest.mark.django_db
def test_rating_gives_the_same_counters_when_the_records_move_into_their_partition(lines: list[Line]) -> None:
    """Records written while their month had no partition are in DEFAULT; creating the month's
    partition moves them into it, and rating the month again changes nothing."""
    july = dt.date(2025, 7, 1)
    Line.objects.filter(pk=lines[0].pk).update(plan=TariffPlanFactory.create(data_mb=100, voice_minutes=10, sms=5))
    for day, quantity in ((3, "70"), (4, "50"), (5, "10")):
        usage_record(lines[0], dt.datetime(2025, 7, day, 9, tzinfo=dt.UTC), quantity=quantity)
    usage_rate(actor=SYSTEM, periods=[july])
    counters = list(UsageCounter.objects.filter(period=july).values("line", "records", "data_mb", "out_of_bundle_eur"))
    ratings = set(UsageRecord.objects.values_list("record_id", "outcome", "bundle_quantity", "out_quantity", "price"))
    assert counters[0]["records"] == 3 and counters[0]["out_of_bundle_eur"] > 0
    if POSTGRES:
        assert set(where().values()) == {partitions.DEFAULT}
    assert partitions.ensure_months([july]) == (["usage_usagerecord_2025_07"] if POSTGRES else [])
    if POSTGRES:
        assert set(where().values()) == {"usage_usagerecord_2025_07"}

    usage_rate(actor=SYSTEM, periods=[july])

    assert list(UsageCounter.objects.filter(period=july).values("line", "records", "data_mb", "out_of_bundle_eur")) == (
        counters
    )
    assert ratings == set(
        UsageRecord.objects.values_list("record_id", "outcome", "bundle_quantity", "out_quantity", "price")
    )
    assert sum(r[-1] for r in ratings) == counters[0]["out_of_bundle_eur"] > Decimal(0)


@pytest.mark.django_db(transaction=True)
def test_the_migrations_move_a_deployed_tables_records_into_month_partitions(lines: list[Line]) -> None:
    """Back to 0004 (the plain table), records stored, forward again: the same records, in
    their months' partitions, keys and indexes as before, ids going on from the last one, and
    their ids taken (0006): sent again with a start in another month, one is a duplicate."""
    MigrationExecutor(connection).migrate([("usage", "0004_record_storage")])
    old = [usage_record(lines[n % 3], dt.datetime(2026, 1 + n % 2, 5 + n, 8, tzinfo=dt.UTC)) for n in range(4)]
    before = set(UsageRecord.objects.values_list("id", "record_id", "period", "line_id"))

    MigrationExecutor(connection).migrate([("usage", "0007_record_storage_for_rating")])

    assert set(UsageRecord.objects.values_list("id", "record_id", "period", "line_id")) == before
    resent = run_ingest(csv_bytes([record(0, record_id=old[0].record_id, started_at="2026-02-20T08:00:00Z")]))
    assert (resent.ingested, resent.duplicates) == (0, 1)
    new = usage_record(lines[0], dt.datetime(2026, 3, 9, tzinfo=dt.UTC))
    assert new.pk > max(r.pk for r in old) and UsageRecord.objects.get(pk=old[1].pk).record_id == old[1].record_id
    if not POSTGRES:
        return
    assert where() == {
        old[0].record_id: "usage_usagerecord_2026_01",
        old[1].record_id: "usage_usagerecord_2026_02",
        old[2].record_id: "usage_usagerecord_2026_01",
        old[3].record_id: "usage_usagerecord_2026_02",
        new.record_id: partitions.DEFAULT,  # March had no records when it ran
    }
    assert {JAN, FEB, dt.date(2026, 12, 1), dt.date(2027, 3, 1), None} <= {p.period for p in partitions.partitions()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass",
            [partitions.TABLE],
        )
        keys = dict(cursor.fetchall())
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [partitions.TABLE])
        indexes = {name for (name,) in cursor.fetchall()}
        cursor.execute(f'SELECT record_id, job_id, "row" FROM {ingest_sql.KEYS}')  # noqa: S608
        taken = set(cursor.fetchall())
    assert keys["usage_usagerecord_pkey"] == "PRIMARY KEY (id, period)"
    assert not any(d.startswith("UNIQUE") for d in keys.values())  # the key table guards the ids
    assert taken == {(r.record_id, r.job_id, r.row) for r in old}
    assert any(d.startswith("FOREIGN KEY (line_id) REFERENCES fleet_line(id)") for d in keys.values())
    django_named = {
        "usage_usage_line_id_320608_idx",
        "usage_usage_custome_56f8f7_idx",
        "usage_usagerecord_job_id_bbb626c3",
    }
    assert django_named <= indexes
    assert not any(name.endswith("_like") for name in indexes)  # 0007: the record ids' index is the key table's
    assert all(fill_factor(p.name) == ["fillfactor=40"] for p in partitions.partitions())
    with pytest.raises(IntegrityError), transaction.atomic():  # the key check on the line is back
        copy_of(new, record_id="no line", line_id=10**9)
