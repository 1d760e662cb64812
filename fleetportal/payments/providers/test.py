"""The built-in test provider: a "bank" inside the portal for the demo and the tests.

`create` keeps the payment in a `TestCheckout` row and sends the payer to its own checkout page
(/payments/test-checkout/<token>/), where they pick card, Bancontact or iDEAL and make it
succeed, fail or be canceled (`settle`). Like a real provider it then calls the portal's
webhook with only the payment's id, and `fetch` answers from the row, so the portal's side is
exactly the one Mollie drives.

It lets the payer mark a payment paid without paying, so it works only in the demo
(`DEMO_MODE`) or with `DEBUG`: anywhere else it is a provider that cannot be reached.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.urls import reverse

from fleetportal.payments.models import Payment, TestCheckout

from .base import Checkout, NewPayment, ProviderError, State, UnknownPayment

OUTCOMES = {
    "succeed": Payment.Status.PAID,
    "fail": Payment.Status.FAILED,
    "cancel": Payment.Status.CANCELED,
}


class TestProvider:
    __test__ = False  # not a pytest class
    name = "test"

    def __init__(self) -> None:
        if not enabled():
            raise ProviderError("the test payment provider works only with DEMO_MODE or DEBUG")

    def create(self, payment: NewPayment) -> Checkout:
        row = TestCheckout.objects.create(
            provider_id=f"tst_{secrets.token_hex(8)}",
            token=secrets.token_urlsafe(32),
            amount=payment.amount,
            currency=payment.currency,
            description=payment.description,
            redirect_url=payment.redirect_url,
            webhook_url=payment.webhook_url,
            metadata=payment.metadata,
        )
        return Checkout(provider_id=row.provider_id, checkout_url=checkout_url(row))

    def fetch(self, provider_id: str) -> State:
        row = TestCheckout.objects.filter(provider_id=provider_id).first()
        if row is None:
            raise UnknownPayment(provider_id)
        return State(provider_id=row.provider_id, status=row.status, method=row.method)


def enabled() -> bool:
    return bool(settings.DEMO_MODE or settings.DEBUG)


def checkout_url(row: TestCheckout) -> str:
    return settings.PORTAL_BASE_URL + reverse("payments:test_checkout", args=[row.token])


def settle(row: TestCheckout, *, outcome: str, method: str) -> bool:
    """The payer's choice on the checkout page; False if the payment was settled already (a
    second click, the back button). One conditional UPDATE, like a bank's own ledger."""
    return bool(
        TestCheckout.objects.filter(pk=row.pk, status=Payment.Status.OPEN).update(
            status=OUTCOMES[outcome], method=method
        )
    )
