"""Usage test fixtures on top of the shared ones (fleetportal/conftest.py).

lines           three ACTIVE lines of `customer`: +32 470 10 00 01 (the member's),
                +32 470 10 00 02, +32 470 10 00 03
other_line      a line of `other_customer`, +36 30 100 0001
csv_file(rows)  the bytes of a usage CSV with the documented header and these rows (dicts)
ingest(data, customer=None)   runs the command's path: a job, then `usage_ingest` on the bytes
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from fleetportal.accounts.models import User
from fleetportal.core.actor import SYSTEM
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.usage.actions import usage_ingest, usage_job_create
from fleetportal.usage.ingest import COLUMNS
from fleetportal.usage.models import IngestJob

MEMBER_NUMBER = "+32470100001"


@pytest.fixture
def lines(customer: Customer, member: User) -> list[Line]:
    return [
        LineFactory.create(customer=customer, msisdn=MEMBER_NUMBER, user=member),
        LineFactory.create(customer=customer, msisdn="+32470100002"),
        LineFactory.create(customer=customer, msisdn="+32470100003"),
    ]


@pytest.fixture
def other_line(other_customer: Customer) -> Line:
    return LineFactory.create(customer=other_customer, msisdn="+36301000001")


def record(n: int, number: str = MEMBER_NUMBER, **values: Any) -> dict[str, str]:
    row = {
        "record_id": f"R{n}",
        "number": number,
        "started_at": f"2026-03-01T08:{n % 60:02d}:00Z",
        "kind": "data",
        "zone": "national",
        "quantity": str(n % 100 + 1),
        "unit": "mb",
        "amount": "",
        "merchant": "",
    }
    row.update(values)
    return row


def csv_bytes(rows: Sequence[dict[str, str]], columns: Sequence[str] = COLUMNS) -> bytes:
    out = [",".join(columns)]
    out += [",".join(row.get(c, "") for c in columns) for row in rows]
    return ("\n".join(out) + "\n").encode()


def run_ingest(data: bytes, customer: Customer | None = None, name: str = "usage.csv") -> IngestJob:
    job = usage_job_create(actor=SYSTEM, source=IngestJob.Source.COMMAND, file_name=name, customer=customer)
    return usage_ingest(actor=SYSTEM, job=job, stream=io.BytesIO(data))


@pytest.fixture
def ingest(db: None) -> Callable[..., IngestJob]:
    return run_ingest
