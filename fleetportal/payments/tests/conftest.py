"""Invoices to pay, made as rows (the invoice run is the invoicing app's), and the payers.

company_invoice     an open invoice of `customer`'s billing account, € 121.00 incl. VAT
private_invoice     an open private invoice of € 12.10 for `member`'s split-bill line
other_invoice       an open invoice of `other_customer`
make_invoice(**fields)  another invoice (next number), e.g. status, paid, kind
test_provider       PAYMENT_PROVIDER = "test" (the default, set here explicitly)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from fleetportal.accounts.models import User
from fleetportal.core.models import Customer
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.models import Invoice

_numbers = itertools.count(1)


def invoice_of(customer: Customer, **fields: Any) -> Invoice:
    n = next(_numbers)
    defaults: dict[str, Any] = {
        "number": f"2026{n:08d}",
        "year": 2026,
        "sequence": n,
        "customer": customer,
        "billing_account": customer.billing_accounts.first(),
        "period": date(2026, 1 + n % 12, 1),
        "issued_on": date(2026, 11, 5),
        "due_on": date(2026, 12, 5),
        "vat_rate": Decimal(21),
        "total_excl_vat": Decimal("100.00"),
        "vat": Decimal("21.00"),
        "total_incl_vat": Decimal("121.00"),
    }
    defaults.update(fields)
    return Invoice.objects.create(**defaults)


@pytest.fixture
def make_invoice(customer: Customer) -> Callable[..., Invoice]:
    return lambda **fields: invoice_of(fields.pop("customer", customer), **fields)


@pytest.fixture
def company_invoice(customer: Customer) -> Invoice:
    return invoice_of(customer)


@pytest.fixture
def private_invoice(customer: Customer, member: User) -> Invoice:
    line = LineFactory.create(customer=customer)
    return invoice_of(
        customer,
        kind=Invoice.Kind.PRIVATE,
        line=line,
        member=member,
        total_excl_vat=Decimal("10.00"),
        vat=Decimal("2.10"),
        total_incl_vat=Decimal("12.10"),
    )


@pytest.fixture
def other_invoice(other_customer: Customer) -> Invoice:
    return invoice_of(other_customer)


@pytest.fixture(autouse=True)
def test_provider(settings: Any) -> None:
    settings.PAYMENT_PROVIDER = "test"
    settings.PORTAL_BASE_URL = settings.PAYMENT_WEBHOOK_BASE_URL = "http://testserver"
