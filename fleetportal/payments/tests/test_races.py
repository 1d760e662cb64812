"""Races on PostgreSQL (QUALITY S14, R6): many webhook calls for one payment at the same moment,
each with its own database connection, give one transition and one booking; two payers
clicking "Pay" at once open one payment. SQLite serialises every writer, so these run where
rows are locked one by one (`DATABASE_URL=postgres://…`, as .ci/run does)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import close_old_connections, connection

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent
from fleetportal.invoicing.models import Invoice
from fleetportal.payments import actions
from fleetportal.payments.models import Payment, ProviderEvent, TestCheckout

pytestmark = [
    pytest.mark.spec("F-62", "S14"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def at_once(work: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run `work` in THREADS threads released together; their results and errors."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except BaseException as exc:  # collected for the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return results, errors


def test_many_webhooks_at_once_book_one_payment(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    TestCheckout.objects.filter(provider_id=payment.provider_id).update(status="paid", method="card")

    results, errors = at_once(lambda: actions.payment_webhook(provider="test", provider_id=payment.provider_id))

    assert errors == []
    assert sorted(call.outcome for call in results) == ["changed"] + ["unchanged"] * (THREADS - 1)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.version == 3
    company_invoice.refresh_from_db()
    assert company_invoice.paid == Decimal("121.00") and company_invoice.status == Invoice.Status.PAID
    assert AuditEvent.objects.filter(action="payment.paid").count() == 1
    assert AuditEvent.objects.filter(action="invoice.paid").count() == 1
    assert ProviderEvent.objects.count() == THREADS


def test_two_payers_at_once_open_one_payment(
    holder: User, billing_manager: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    payers = [actor_for(holder), actor_for(billing_manager)] * (THREADS // 2)

    def start() -> Payment:
        return actions.payment_start(actor=payers.pop(), invoice=company_invoice)

    results, errors = at_once(start)

    assert len(results) == 1 and Payment.objects.count() == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, ActionError) and e.code == "payment_open" for e in errors)
    assert TestCheckout.objects.count() == 1  # the provider heard of one payment
