"""The invoice of a period whose usage was rated with two plans (issue 7): the out-of-bundle items
sum the prices each record was rated with, those of the plan in force at its time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from fleetportal.catalog.models import UsageRate
from fleetportal.catalog.tests.factories import TariffPlanFactory
from fleetportal.core.actor import SYSTEM
from fleetportal.core.models import Customer
from fleetportal.fleet.actions.history import record_products
from fleetportal.invoicing.models import Invoice, InvoiceItem
from fleetportal.usage.actions import usage_rate
from fleetportal.usage.models import UsageRecord
from fleetportal.usage.tests.conftest import csv_bytes, record, run_ingest

from .conftest import priced_line, run_period

pytestmark = [pytest.mark.spec("F-60", "F-55", "R5"), pytest.mark.django_db]
MARCH = dt.date(2026, 3, 1)


def test_an_invoice_sums_the_prices_rated_with_the_plan_of_each_records_time(customer: Customer) -> None:
    line = priced_line(customer, activated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    dear, cheap = line.plan, TariffPlanFactory.create(data_mb=0, voice_minutes=0, sms=0)
    dear.data_mb = 0
    dear.save()
    for plan, price in ((dear, "0.10"), (cheap, "0.02")):
        UsageRate.objects.create(kind="data", zone="national", direction="out", plan=plan, unit_price=price)
    record_products([(line.pk, dear.pk, [])], at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    record_products([(line.pk, cheap.pk, [])], at=dt.datetime(2026, 3, 15, tzinfo=dt.UTC))
    run_ingest(
        csv_bytes(
            [
                record(1, number=line.msisdn, quantity="10", started_at="2026-03-10T08:00:00Z"),
                record(2, number=line.msisdn, quantity="10", started_at="2026-03-20T08:00:00Z"),
                record(3, number=line.msisdn, quantity="5", started_at="2026-03-21T08:00:00Z", zone="world_1"),
            ]
        )
    )
    usage_rate(actor=SYSTEM, periods=[MARCH])
    rated = UsageRecord.objects.filter(line=line).order_by("record_id")
    assert [r.price for r in rated] == [Decimal("1.00"), Decimal("0.20"), Decimal("10.00")]  # world_1: 2.00/MB

    run_period(customer, period=MARCH)

    invoice = Invoice.objects.get(customer=customer, kind=Invoice.Kind.COMPANY)
    usage = InvoiceItem.objects.filter(invoice=invoice, kind=InvoiceItem.Kind.USAGE)
    assert sorted((i.quantity, i.amount) for i in usage) == [(5, Decimal("10.00")), (20, Decimal("1.20"))]
    assert usage.aggregate(total=Sum("amount"))["total"] == rated.aggregate(total=Sum("price"))["total"]
