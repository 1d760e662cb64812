"""Counters and records written directly for the usage pages' tests (rating is tested on its
own): `counter(line, period, **columns)` is a line's UsageCounter, `usage_record(line, at, ...)`
a stored record of an ingest job."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from fleetportal.fleet.models import Line
from fleetportal.usage.models import IngestJob, UsageCounter, UsageRecord
from fleetportal.usage.periods import period_of

_ids = itertools.count(1)


def counter(line: Line, period: dt.date, **columns: Any) -> UsageCounter:
    return UsageCounter.objects.create(line=line, customer_id=line.customer_id, period=period, **columns)


def usage_record(line: Line, at: dt.datetime, kind: str = "data", quantity: str = "1", **columns: Any) -> UsageRecord:
    job, _created = IngestJob.objects.get_or_create(file_name="pages-test.csv", defaults={"source": "command"})
    n = next(_ids)
    unit = {"data": "mb", "voice": "seconds"}.get(kind, "messages")
    return UsageRecord.objects.create(
        record_id=f"T{n}",
        line=line,
        customer_id=line.customer_id,
        started_at=at,
        kind=kind,
        zone="national",
        quantity=Decimal(quantity),
        unit=unit,
        period=period_of(at),
        job=job,
        row=n,
        **columns,
    )
