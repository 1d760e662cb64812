"""Invoicing test helpers (on top of fleetportal/conftest.py).

PERIOD          November 2026 (30 days), a closed period for the run (the clock is whatever
                today is, later than that).
priced_line(customer, price=…, **line)   an ACTIVE line of the customer on a plan its contract
                retains at `price` (default 20.00), activated before the period.
rated(line, price, kind="data", zone="national", day=5, outcome=…)   one rated usage record of
                PERIOD (third_party: `price` is the accepted amount, outcome "charged").
run_period(customer=None, period=PERIOD)   starts and executes a run as staff would.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fleetportal.catalog.tests.factories import ContractPlanFactory, TariffPlanFactory
from fleetportal.core.actor import SYSTEM
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.actions import invoice_run_execute, invoice_run_start
from fleetportal.invoicing.models import InvoiceRun
from fleetportal.usage.models import IngestJob, UsageRecord
from fleetportal.usage.periods import bounds

PERIOD = dt.date(2026, 11, 1)
_ids = itertools.count(1)


def priced_line(customer: Customer, price: Decimal | str = "20.00", **values: Any) -> Line:
    plan = TariffPlanFactory.create()
    ContractPlanFactory.create(contract=customer.contracts.get(), plan=plan, monthly_price=Decimal(price))
    values.setdefault("activated_at", bounds(PERIOD)[0] - dt.timedelta(days=40))
    return LineFactory.create(customer=customer, plan=plan, **values)


def rated(
    line: Line,
    price: Decimal | str,
    kind: str = "data",
    zone: str = "national",
    day: int = 5,
    period: dt.date = PERIOD,
    quantity: Decimal | str = "10",
    outcome: str | None = None,
) -> UsageRecord:
    job = IngestJob.objects.filter(file_name="invoicing-tests").first() or IngestJob.objects.create(
        source=IngestJob.Source.COMMAND, file_name="invoicing-tests", created_by_label="test"
    )
    third_party = kind == UsageRecord.Kind.THIRD_PARTY
    n = next(_ids)
    return UsageRecord.objects.create(
        record_id=f"INV{n}",
        line=line,
        customer=line.customer,
        started_at=bounds(period)[0] + dt.timedelta(days=day - 1, hours=12),
        kind=kind,
        zone=zone,
        quantity=Decimal(quantity),
        amount=Decimal(price) if third_party else None,
        period=period,
        job=job,
        row=n,
        outcome=outcome or (UsageRecord.Outcome.CHARGED if third_party else UsageRecord.Outcome.OUT_OF_BUNDLE),
        out_quantity=Decimal(0) if third_party else Decimal(quantity),
        price=Decimal(price),
        rated_at=timezone.now(),
    )


def run_period(customer: Customer | None = None, period: dt.date = PERIOD, today: dt.date | None = None) -> InvoiceRun:
    run = invoice_run_start(actor=SYSTEM, period=period, customer=customer)
    return invoice_run_execute(actor=SYSTEM, run=run, today=today or dt.date(2026, 12, 1))
