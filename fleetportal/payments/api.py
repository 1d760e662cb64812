"""Online payments through the API (F-62, F-64): start paying an invoice (the answer holds the
provider's checkout address, to send the payer to) and read a payment's state. The rules are
the action's: the employee of a private invoice or a manager with the billing right pays; an
invoice paid, credited or with a payment under way is refused (400 with its code) before the
provider is called; an invoice or payment the caller does not see is a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from fleetportal.core.actor import Actor
from fleetportal.core.api import ERROR_RESPONSES
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.http import PortalRequest

from . import actions
from .models import Payment
from .selectors import invoice_to_pay, payment_for

router = Router(tags=["payments"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class PaymentOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str
    amount: Decimal = Field(..., description="the invoice's balance when the payment started, incl. VAT")
    currency: str
    provider: str = Field(..., description="test or mollie")
    status: str = Field(..., description="created, open, paid, failed, canceled or expired")
    method: str = Field(..., description="card, bancontact, ideal; empty until the payer chose")
    checkout_url: str | None = Field(..., description="where the payer pays, while the payment is open")
    refund_due: bool = Field(..., description="confirmed for an invoice paid already: it is refunded")
    invoice_balance: Decimal = Field(..., description="what is still to pay on the invoice, incl. VAT")
    created_at: dt.datetime
    paid_at: dt.datetime | None

    @staticmethod
    def of(payment: Payment) -> PaymentOut:
        invoice = payment.invoice
        return PaymentOut(
            id=payment.pk,
            invoice_id=invoice.pk,
            invoice_number=invoice.number,
            amount=payment.amount,
            currency=payment.currency,
            provider=payment.provider,
            status=payment.status,
            method=payment.method,
            checkout_url=payment.checkout_url if payment.is_open and payment.checkout_url else None,
            refund_due=payment.refund_due,
            invoice_balance=invoice.balance,
            created_at=payment.created_at,
            paid_at=payment.paid_at,
        )


def _customer_actor(request: PortalRequest) -> Actor:
    """A key or login of a customer; which invoice it may pay is the action's rule."""
    actor = request.actor
    if actor.customer is None:
        raise PermissionDeniedError(_("Only a customer's login or API key pays invoices."))
    return actor


@router.post(
    "/invoices/{int:invoice_id}/payments",
    response={201: PaymentOut, **ERROR_RESPONSES},
    operation_id="invoice_payment_create",
)
def payment_create(request: PortalRequest, invoice_id: Id) -> Status[PaymentOut]:
    """Start paying the invoice's balance; send the payer to `checkout_url`. The invoice is
    marked paid once the provider confirms (poll GET /payments/{id})."""
    actor = _customer_actor(request)
    payment = actions.payment_start(actor=actor, invoice=invoice_to_pay(actor, invoice_id))
    return Status(201, PaymentOut.of(payment))


@router.get("/payments/{int:payment_id}", response={200: PaymentOut, **ERROR_RESPONSES}, operation_id="payment_get")
def payment_get(request: PortalRequest, payment_id: Id) -> PaymentOut:
    """A payment's state and its invoice's balance. Scope `read` (or the billing right)."""
    return PaymentOut.of(payment_for(_customer_actor(request), payment_id))
