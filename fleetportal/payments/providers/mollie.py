"""Mollie through its official client (`mollie-api-python`).

`create` opens a payment with the amount, a description, the payer's way back
(`redirectUrl`), the webhook (`webhookUrl`) and the portal's ids in `metadata`; the payer
chooses the method on Mollie's checkout. Mollie's webhook POSTs only `id=tr_…`; `fetch`
re-reads the payment, which is what authenticates the call (QUALITY S14).

Mollie's statuses map onto the portal's: open, pending and authorized are still open; paid,
failed, canceled and expired are final.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from mollie.api.client import Client
from mollie.api.error import Error, IdentifierError, ResponseError

from fleetportal.payments.models import Method, Payment

from .base import Checkout, NewPayment, ProviderError, State, UnknownPayment

STATUSES = {
    "open": Payment.Status.OPEN,
    "pending": Payment.Status.OPEN,
    "authorized": Payment.Status.OPEN,
    "paid": Payment.Status.PAID,
    "failed": Payment.Status.FAILED,
    "canceled": Payment.Status.CANCELED,
    "expired": Payment.Status.EXPIRED,
}
METHODS = {"creditcard": Method.CARD, "bancontact": Method.BANCONTACT, "ideal": Method.IDEAL}


def _value(amount: Decimal) -> str:
    """Mollie wants the amount as a string with exactly two decimals."""
    return f"{amount.quantize(Decimal('0.01'))}"


class MollieProvider:
    name = "mollie"

    def __init__(self, client: Client | None = None) -> None:
        if client is None:
            client = Client(timeout=settings.MOLLIE_TIMEOUT_SECONDS)
            try:
                client.set_api_key(settings.MOLLIE_API_KEY)
            except Error as exc:
                raise ProviderError(str(exc)) from None
        self.client = client

    def create(self, payment: NewPayment) -> Checkout:
        body: dict[str, Any] = {
            "amount": {"currency": payment.currency, "value": _value(payment.amount)},
            "description": payment.description,
            "redirectUrl": payment.redirect_url,
            "webhookUrl": payment.webhook_url,
            "metadata": payment.metadata,
        }
        try:
            # The same key on a retry of this call makes Mollie answer the first payment again.
            made = self.client.payments.create(body, idempotency_key=f"fleetportal-payment-{payment.payment_id}")
        except Error as exc:
            raise ProviderError(f"Mollie refused the payment: {exc}") from None
        if not made.id or not made.checkout_url:
            raise ProviderError("Mollie answered a payment without an id or checkout URL")
        return Checkout(provider_id=made.id, checkout_url=made.checkout_url)

    def fetch(self, provider_id: str) -> State:
        try:
            found = self.client.payments.get(provider_id)
        except IdentifierError:
            raise UnknownPayment(provider_id) from None
        except ResponseError as exc:
            if exc.status == 404:
                raise UnknownPayment(provider_id) from None
            raise ProviderError(f"Mollie: {exc}") from None
        except Error as exc:
            raise ProviderError(f"Mollie: {exc}") from None
        status = STATUSES.get(found.status or "")
        if status is None:
            raise ProviderError(f"Mollie answered an unknown status {found.status!r}")
        return State(provider_id=found.id, status=status, method=METHODS.get(found.method or "", ""))
