"""Parallel invoice runs (F-60): one invoice per account and numbers without gaps, whatever
runs at the same time (threads with their own connections; PostgreSQL in CI's second pass)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from fleetportal.core.models import Customer
from fleetportal.invoicing.models import Invoice, InvoiceRun

from .conftest import priced_line, rated, run_period
from .test_numbers import retrying_while_locked

pytestmark = pytest.mark.spec("F-60")


@pytest.mark.django_db(transaction=True)
def test_parallel_runs_share_no_number_skip_none_and_invoice_each_account_once(
    customer: Customer, other_customer: Customer
) -> None:
    for n in range(3):
        rated(priced_line(customer, "10.00"), f"{n}.5")
        priced_line(other_customer, "20.00")
    errors: list[str] = []
    finished: list[InvoiceRun] = []
    scopes: list[Customer | None] = [None, customer, other_customer, None]

    def work(scope: Customer | None) -> None:
        try:
            finished.append(retrying_while_locked(lambda: run_period(customer=scope)))  # type: ignore[arg-type]
        except BaseException as exc:  # reported by the assertion below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(scope,)) for scope in scopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    invoices = list(Invoice.objects.order_by("sequence"))
    assert [i.sequence for i in invoices] == [1, 2]
    assert {i.billing_account.customer_id for i in invoices} == {customer.pk, other_customer.pk}
    assert len(finished) == len(scopes) and all(r.status == InvoiceRun.Status.DONE for r in finished)
    # (On SQLite a run that met the database locked is failed and started again: it issued nothing.)
    assert sum(r.invoices for r in InvoiceRun.objects.all()) == 2
    assert sum(r.invoices + r.skipped for r in finished) >= 2
