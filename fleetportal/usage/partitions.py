"""The usage records' month partitions on PostgreSQL (issue 7, migration 0005): one partition a
period (`usage_usagerecord_2026_03` holds the records whose `period` is March 2026) and a
DEFAULT partition for a record whose month has none, so an insert is never refused.

Partitions are created ahead (`ensure_partitions`, daily by `tasks.create_usage_partitions`)
and, should the job not have run, by the ingest for the months of the chunk it is about to
insert (`ensure_months`: a set of the months known in this process makes it one comparison a
chunk). A month whose rows went to the DEFAULT partition meanwhile gets them moved into its
new partition. An old month leaves by `detach_partition`: its table stays, outside the
portal's queries, to be archived or dropped by the operator.

Each partition's pages are filled to 40 % (`FILL_FACTOR`, migration 0007; 0004 set 50 % for the
plain table): rating's UPDATE then rewrites each row in its own page (HOT), a rated row being
about a quarter bigger than the row the ingest wrote. On SQLite there are no partitions:
the functions do nothing and list nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import UsageRecord
from .periods import next_period, period_of

TABLE = UsageRecord._meta.db_table
DEFAULT = f"{TABLE}_default"
FILL_FACTOR = 40  # migration 0007: a page holds its rows' rated versions too
AHEAD = 3  # months created ahead of the current one
LOOKBACK = 24  # months back the ingest still creates a partition for; older records go to DEFAULT
LOCK = (0x7553, 0x5054)  # advisory lock ("uS", "PT") taken while partitions are created
_BOUND = re.compile(r"FROM \('(\d{4}-\d{2}-\d{2})'\)")

# Months whose partition exists (attached, or detached and kept): this process's knowledge,
# updated when a creation commits. A stale entry only sends a record to the DEFAULT partition.
_known: set[dt.date] = set()


@dataclass(frozen=True)
class Partition:
    name: str
    period: dt.date | None  # None: the DEFAULT partition
    rows: int | None  # the planner's estimate; None before the table was first analysed
    size: int  # bytes, indexes included


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def name_of(period: dt.date) -> str:
    return f"{TABLE}_{period:%Y_%m}"


def partitions() -> list[Partition]:
    """The attached partitions, by period (the DEFAULT partition last)."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples, pg_total_relation_size(c.oid)"
            " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        found = []
        for name, bound, rows, size in cursor.fetchall():
            start = _BOUND.search(bound)
            period = dt.date.fromisoformat(start.group(1)) if start else None
            found.append(Partition(name, period, None if rows < 0 else int(rows), size))
    return sorted(found, key=lambda p: (p.period is None, p.period or dt.date.min))


def holding(period: dt.date) -> str:
    """The table that holds the period's records: its partition, else DEFAULT (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass AND c.relname = %s",
            [TABLE, name_of(period)],
        )
        return DEFAULT if cursor.fetchone() is None else name_of(period)


def ensure_partitions(ahead: int = AHEAD, today: dt.date | None = None) -> list[str]:
    """The partitions of the current month and `ahead` months after it; the names created
    (none when they all exist: idempotent)."""
    period = period_of(timezone.now()) if today is None else today.replace(day=1)
    months = [period]
    for _ in range(ahead):
        months.append(next_period(months[-1]))
    return ensure_months(months)


def ensure_months(months: Iterable[dt.date]) -> list[str]:
    """A partition for each of these periods that has none (the ingest's call, in the chunk's
    transaction: a rolled-back chunk takes its new partition with it); the names created."""
    wanted = {month.replace(day=1) for month in months} - _known
    if not wanted or not partitioned():
        return []
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", LOCK)  # one creator at a time
        cursor.execute("SELECT relname FROM pg_class WHERE relname = ANY(%s)", [[name_of(m) for m in wanted]])
        existing = {name for (name,) in cursor.fetchall()}
        for month in sorted(wanted):
            if name_of(month) not in existing:
                _create(cursor, month)
                created.append(name_of(month))
    transaction.on_commit(lambda: _known.update(wanted))
    return created


def ingest_months(first: dt.datetime, last: dt.datetime) -> list[dt.date]:
    """The periods from `first`'s to `last`'s (a chunk's earliest and latest start) that the
    ingest creates partitions for: within LOOKBACK months back and AHEAD months ahead, so that
    a file of odd dates makes no partitions for centuries (those records go to DEFAULT)."""
    now = period_of(timezone.now())
    low = max(period_of(first), _months_before(now, LOOKBACK))
    high = min(period_of(last), _months_before(now, -AHEAD))
    months = []
    while low <= high:
        months.append(low)
        low = next_period(low)
    return months


def detach_partition(period: dt.date) -> str:
    """Detach the period's partition: its records leave every query of the portal, its table
    stays (named as returned). ValueError when the period has no attached partition."""
    period = period.replace(day=1)
    if not any(p.period == period for p in partitions()):
        raise ValueError(period)
    name = name_of(period)
    with transaction.atomic(), connection.cursor() as cursor:
        # A brief exclusive lock on the records: wait at most a while for running statements.
        cursor.execute("SET LOCAL lock_timeout = '10s'")
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
    return name


def _create(cursor: Any, month: dt.date) -> None:
    """The month's partition, made apart and attached: ATTACH locks the records against schema
    changes only (CREATE … PARTITION OF would lock out every reader until the transaction
    ends), and the rows DEFAULT holds for the month, if any, are moved in first (a partition
    is not attached over rows of its range in DEFAULT)."""
    name, end = name_of(month), next_period(month)
    in_month = f"period >= '{month.isoformat()}' AND period < '{end.isoformat()}'"
    cursor.execute(
        f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING CONSTRAINTS, CONSTRAINT {name}_month CHECK ({in_month}))"
        f" WITH (fillfactor = {FILL_FACTOR})"
    )
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE {in_month} RETURNING *) INSERT INTO {name} SELECT * FROM moved"  # noqa: S608
    )
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ('{month.isoformat()}') TO ('{end.isoformat()}')"
    )  # the check spares a scan of the new table
    cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_month")


def _months_before(period: dt.date, months: int) -> dt.date:
    index = period.year * 12 + period.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)
