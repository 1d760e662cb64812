"""P4: ingest usage records (the CSV of docs/usage-format.md) through `usage_ingest`, the action
the command, the staff page and the API call: parsed, checked, numbers resolved, staged and
inserted ON CONFLICT DO NOTHING in chunks, audited, its event recorded.

Runs on a fresh SQLite file (100,000 records) and, when DATABASE_URL names a PostgreSQL server,
on a database created there for the run (1,000,000 records; P4_RECORDS overrides both). Prints
records/s, the ratio to a bare COPY of the same rows into an unindexed table in the same run
(PostgreSQL), the second ingest of the same file (all duplicates, R5) and the peak of Python
memory (tracemalloc) at two file sizes: flat means it does not grow with the file.
Goal (QUALITY P4): ≥ 50,000 records/s on PostgreSQL, ≤ 5× the bare COPY; memory flat.
Rating comes in a later step; this measures the ingest.
"""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import harness

LINES = 2_000
GOAL_RATE = 50_000
GOAL_RATIO = 5.0
KINDS = [("data", "kb", 2048), ("data", "mb", 50), ("voice", "seconds", 600), ("sms", "messages", 1)]
ZONES = ["national", "national", "national", "eu", "world_1"]


def write_file(path: Path, numbers: list[str], count: int, serial: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("record_id,number,started_at,kind,zone,quantity,unit,amount,merchant\n")
        for n in range(count):
            kind, unit, top = KINDS[n % len(KINDS)]
            day, second = 1 + n % 28, n % 86_400
            started = f"2026-03-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
            if n % 97 == 0:
                out.write(f"B{serial}-{n},{numbers[n % len(numbers)]},{started},third_party,national,,,1.50,4411\n")
            else:
                zone = ZONES[n % len(ZONES)]
                out.write(f"B{serial}-{n},{numbers[n % len(numbers)]},{started},{kind},{zone},{n % top + 1},{unit},,\n")


def ingest(path: Path, traced: bool = False) -> tuple[float, object, int]:
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


def bare_copy(path: Path) -> float:
    """The same rows, as the database types them, COPYed into an unindexed table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS bench_bare (record_id text, number text, started_at timestamptz,"
            " kind text, zone text, quantity numeric, unit text, amount numeric, merchant text)"
        )
        cursor.execute("TRUNCATE bench_bare")
        started = time.perf_counter()
        with path.open("rb") as stream, cursor.cursor.copy("COPY bench_bare FROM STDIN (FORMAT csv, HEADER)") as copy:
            while block := stream.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_bare")
    return seconds


def main(backend: str) -> None:
    from django.db import connection

    from fleetportal.fleet.models import Line

    records = int(os.environ.get("P4_RECORDS", 1_000_000 if backend == "postgresql" else 100_000))
    print(f"P4 usage ingest, {backend}, {records:,} records")
    harness.big_fleet(LINES)
    numbers = list(Line.objects.exclude(status="stopped").values_list("msisdn", flat=True)[:LINES])
    with tempfile.TemporaryDirectory(prefix="fleetportal-p4-") as tmp:
        small, mid, big = Path(tmp) / "small.csv", Path(tmp) / "mid.csv", Path(tmp) / "usage.csv"
        write_file(big, numbers, records, 2)
        print(f"  file: {big.stat().st_size / 1e6:.0f} MB, {len(numbers):,} numbers")
        seconds, job, _ = ingest(big)
        assert job.ingested == records and job.bad == 0, (job.ingested, job.bad, job.error_code)  # type: ignore[attr-defined]
        again_seconds, again, _ = ingest(big)
        assert again.ingested == 0 and again.duplicates == records  # type: ignore[attr-defined]
        write_file(small, numbers, records // 20, 3)
        write_file(mid, numbers, records // 5, 4)
        small_peak, peak = ingest(small, traced=True)[2], ingest(mid, traced=True)[2]
        rate = records / seconds
        print(f"  ingest          {seconds:7.2f} s   {rate:10,.0f} records/s")
        print(f"  same file again {again_seconds:7.2f} s   {records / again_seconds:10,.0f} records/s (all duplicates)")
        print(
            f"  memory peak (tracemalloc): {small_peak / 1e6:.1f} MB for {records // 20:,} records, "
            f"{peak / 1e6:.1f} MB for {records // 5:,} ({'flat' if peak < 2 * small_peak else 'GROWING'})"
        )
        if connection.vendor == "postgresql":
            copy_seconds = bare_copy(big)
            ratio = seconds / copy_seconds
            print(f"  bare COPY       {copy_seconds:7.2f} s   {records / copy_seconds:10,.0f} records/s")
            verdict = "within" if rate >= GOAL_RATE and ratio <= GOAL_RATIO else "OUTSIDE"
            print(
                f"  {rate:,.0f} records/s, {ratio:.2f}x the bare COPY ({verdict} the goal of "
                f"{GOAL_RATE:,} records/s and {GOAL_RATIO:.0f}x)"
            )


if __name__ == "__main__":
    harness.run(main)
