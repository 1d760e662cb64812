"""After "invoice.issued" (here by a credit note, as the run records it too) the invoice's PDF
and UBL are stored and it is e-mailed once, with the PDF, in the invoice's language, to the
account's delivery address (F-60, F-61)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.core.models import Customer
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.actions import invoice_credit
from fleetportal.invoicing.models import Invoice, InvoiceItem
from fleetportal.notifications.models import OutboxMessage

from .rows import issued

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-60", "F-61")]


def test_an_issued_credit_note_is_rendered_and_mailed_once(
    customer: Customer, staff: User, actor_for: Callable[..., Actor], django_capture_on_commit_callbacks: Any
) -> None:
    account = customer.billing_accounts.get()
    account.invoice_email = "ap@acme.example"
    account.save()
    line = LineFactory.create(customer=customer)
    invoice = issued(customer, [(line, InvoiceItem.Kind.PLAN, "Plan", Decimal("40.00"))], language="nl")

    with django_capture_on_commit_callbacks(execute=True):
        note = invoice_credit(actor=actor_for(staff), invoice=invoice, reason="wrong plan")

    note = Invoice.objects.get(pk=note.pk)
    assert note.pdf and note.ubl
    (message,) = OutboxMessage.objects.filter(recipient="ap@acme.example")
    assert note.number in message.subject
    (attachment,) = message.attachments
    assert attachment["filename"] == f"{note.number}.pdf"
    assert base64.b64decode(attachment["content"]).startswith(b"%PDF")
    assert b"CreditNote" in note.ubl.read()
