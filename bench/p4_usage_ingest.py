"""P4: ingest and rate usage records (the CSV of docs/usage-format.md) through `usage_ingest`,
the action the command, the staff page and the API call (in chunks: on PostgreSQL the raw text
COPYed into staging and checked by SQL, `usage/ingest_sql.py`; on SQLite checked in Python;
numbers joined to their lines, inserted ON CONFLICT DO NOTHING, audited, its event recorded), then
`usage_rate`, the action the ingest's event consumer calls (the whole period rated in one
set-based UPDATE, the line and pool counters rebuilt).

Runs on a fresh SQLite file (100,000 records) and, when DATABASE_URL names a PostgreSQL server,
on a database created there for the run (1,000,000 records; P4_RECORDS overrides both). Prints
records/s, the ratio to a bare COPY of the same rows into an unindexed table in the same run
(PostgreSQL), the second ingest of the same file (all duplicates, R5) and the peak of Python
memory (tracemalloc) at two file sizes: flat means it does not grow with the file. The load
average is printed before and after: the machine is shared, figures move with it.
Goal (QUALITY P4): ≥ 50,000 records/s on PostgreSQL for ingest and rating together, ≤ 5× the
bare COPY; memory flat. The fleet has 2,000 lines, 20 of them in a group bundle.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import harness

LINES = 2_000
GOAL_RATE = 50_000
GOAL_RATIO = 5.0
KINDS = [("data", "kb", 2048), ("data", "mb", 50), ("voice", "seconds", 600), ("sms", "messages", 1)]
ZONES = ["national", "national", "national", "eu", "world_1"]
MARCH = dt.date(2026, 3, 1)


def write_file(path: Path, numbers: list[str], count: int, serial: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("record_id,number,started_at,kind,zone,quantity,unit,amount,merchant,direction\n")
        for n in range(count):
            kind, unit, top = KINDS[n % len(KINDS)]
            day, second = 1 + n % 28, n % 86_400
            started = f"2026-03-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
            if n % 97 == 0:
                out.write(f"B{serial}-{n},{numbers[n % len(numbers)]},{started},third_party,national,,,1.50,4411,\n")
            else:
                zone, direction = ZONES[n % len(ZONES)], "in" if kind == "voice" and n % 3 == 0 else "out"
                quantity = n % top + 1
                number = numbers[n % len(numbers)]
                out.write(f"B{serial}-{n},{number},{started},{kind},{zone},{quantity},{unit},,,{direction}\n")


def ingest(path: Path, traced: bool = False) -> tuple[float, Any, int]:
    from fleetportal.core.actor import SYSTEM
    from fleetportal.usage.actions import usage_ingest, usage_job_create

    job = usage_job_create(actor=SYSTEM, source="command", file_name=path.name)
    if traced:  # tracemalloc slows Python down: the timed runs go without it
        tracemalloc.start()
    started = time.perf_counter()
    with path.open("rb") as stream:
        job = usage_ingest(actor=SYSTEM, job=job, stream=stream)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    return seconds, job, peak


def rate() -> tuple[float, int]:
    from fleetportal.core.actor import SYSTEM
    from fleetportal.usage.actions import usage_rate

    started = time.perf_counter()
    rated = usage_rate(actor=SYSTEM, periods=[MARCH])
    return time.perf_counter() - started, sum(len(lines) for lines in rated.lines.values())


def group_bundle(lines: list[int]) -> None:
    """A pool of 50 GB for the first lines (all of the bench's fleet is one customer's)."""
    from fleetportal.bundles.models import GroupBundle, GroupBundleMember
    from fleetportal.catalog.tests.factories import ContractGroupBundleFactory
    from fleetportal.fleet.models import Line

    first = Line.objects.select_related("customer").get(pk=lines[0])
    offer = ContractGroupBundleFactory.create(contract=first.customer.contracts.first(), offer__data_mb=50 * 1024)
    since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    pool = GroupBundle.objects.create(
        customer=first.customer, contract=offer.contract, offer=offer, name="P4 pool", started_at=since
    )
    GroupBundleMember.objects.bulk_create([GroupBundleMember(pool=pool, line_id=pk, joined_at=since) for pk in lines])


def bare_copy(path: Path) -> float:
    """The same rows, as the database types them, COPYed into an unindexed table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS bench_bare (record_id text, number text, started_at timestamptz,"
            " kind text, zone text, quantity numeric, unit text, amount numeric, merchant text, direction text)"
        )
        cursor.execute("TRUNCATE bench_bare")
        started = time.perf_counter()
        with path.open("rb") as stream, cursor.cursor.copy("COPY bench_bare FROM STDIN (FORMAT csv, HEADER)") as copy:
            while block := stream.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_bare")
    return seconds


def _load() -> str:
    return " ".join(f"{figure:.1f}" for figure in os.getloadavg())


def main(backend: str) -> None:
    from django.db import connection

    from fleetportal.core import delivery
    from fleetportal.fleet.models import Line
    from fleetportal.usage.models import UsageCounter, UsageRecord

    # The ingest's `usage.ingested` deliveries stay queued (a worker's job): the bench calls the
    # consumer's action, `usage_rate`, itself, so that ingest and rating are timed apart.
    delivery.set_dispatcher(lambda channel, ids: None)

    records = int(os.environ.get("P4_RECORDS", 1_000_000 if backend == "postgresql" else 100_000))
    print(f"P4 usage ingest, {backend}, {records:,} records, load average {_load()}")
    harness.big_fleet(LINES)
    live = list(Line.objects.exclude(status="stopped").values_list("pk", "msisdn")[:LINES])
    numbers = [number for _, number in live]
    group_bundle([pk for pk, _ in live[:20]])
    with tempfile.TemporaryDirectory(prefix="fleetportal-p4-") as tmp:
        small, mid, big = Path(tmp) / "small.csv", Path(tmp) / "mid.csv", Path(tmp) / "usage.csv"
        write_file(big, numbers, records, 2)
        print(f"  file: {big.stat().st_size / 1e6:.0f} MB, {len(numbers):,} numbers")
        seconds, job, _ = ingest(big)
        assert job.ingested == records and job.bad == 0, (job.ingested, job.bad, job.error_code)
        rate_seconds, rated_lines = rate()
        assert not UsageRecord.objects.filter(job=job, outcome="").exists()
        assert UsageCounter.objects.filter(period=MARCH).count() == rated_lines
        rerate_seconds, _ = rate()
        again_seconds, again, _ = ingest(big)
        assert again.ingested == 0 and again.duplicates == records
        write_file(small, numbers, records // 20, 3)
        write_file(mid, numbers, records // 5, 4)
        small_peak, peak = ingest(small, traced=True)[2], ingest(mid, traced=True)[2]
        total = seconds + rate_seconds
        rate_total = records / total
        print(f"  ingest          {seconds:7.2f} s   {records / seconds:10,.0f} records/s")
        rating_rate = records / rate_seconds
        print(f"  rate            {rate_seconds:7.2f} s   {rating_rate:10,.0f} records/s ({rated_lines:,} lines)")
        print(f"  ingest + rate   {total:7.2f} s   {rate_total:10,.0f} records/s")
        print(f"  rate again      {rerate_seconds:7.2f} s   (the whole period re-rated, same counters)")
        print(f"  same file again {again_seconds:7.2f} s   {records / again_seconds:10,.0f} records/s (all duplicates)")
        print(
            f"  memory peak (tracemalloc): {small_peak / 1e6:.1f} MB for {records // 20:,} records, "
            f"{peak / 1e6:.1f} MB for {records // 5:,} ({'flat' if peak < 2 * small_peak else 'GROWING'})"
        )
        if connection.vendor == "postgresql":
            copy_seconds = bare_copy(big)
            ratio = total / copy_seconds
            print(f"  bare COPY       {copy_seconds:7.2f} s   {records / copy_seconds:10,.0f} records/s")
            print(f"  ingest alone: {seconds / copy_seconds:.2f}x the bare COPY")
            verdict = "within" if rate_total >= GOAL_RATE and ratio <= GOAL_RATIO else "OUTSIDE"
            print(f"  load average at the end {_load()}")
            print(
                f"  ingest + rate: {rate_total:,.0f} records/s, {ratio:.2f}x the bare COPY ({verdict} the goal of "
                f"{GOAL_RATE:,} records/s and {GOAL_RATIO:.0f}x)"
            )


if __name__ == "__main__":
    harness.run(main)
