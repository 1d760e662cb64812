"""What the portal needs of a payment provider, whichever it is (DESIGN rule 6).

Two calls: `create` opens a payment at the provider and gives the address of its checkout;
`fetch` re-reads a payment's state. A provider's webhook only tells that something changed
(Mollie sends just the id), so the portal always acts on what `fetch` answers, never on the
body of a call it cannot authenticate (QUALITY S14).

`PAYMENT_PROVIDER` names the provider new payments use ("test", the built-in one, or
"mollie"); a payment keeps the provider it was made with, so its webhook re-fetches there.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class ProviderError(Exception):
    """The provider could not be reached or refused the call (the message is for the logs)."""


class UnknownPayment(ProviderError):
    """The provider has no payment with this id."""


@dataclass(frozen=True)
class NewPayment:
    """What the portal asks the provider to collect."""

    payment_id: int
    amount: Decimal
    currency: str
    description: str
    redirect_url: str  # where the payer comes back to after the checkout
    webhook_url: str  # where the provider says that the state changed
    metadata: dict[str, str]


@dataclass(frozen=True)
class Checkout:
    provider_id: str
    checkout_url: str


@dataclass(frozen=True)
class State:
    """A payment as the provider sees it, in the portal's terms (`Payment.Status`, `Method`)."""

    provider_id: str
    status: str
    method: str = ""


class Provider(Protocol):
    name: str

    def create(self, payment: NewPayment) -> Checkout: ...

    def fetch(self, provider_id: str) -> State: ...


PROVIDERS = {
    "test": "fleetportal.payments.providers.test.TestProvider",
    "mollie": "fleetportal.payments.providers.mollie.MollieProvider",
}


def provider(name: str | None = None) -> Provider:
    """The adapter named `name` (default: the `PAYMENT_PROVIDER` setting); LookupError if none."""
    name = name or settings.PAYMENT_PROVIDER
    try:
        path = PROVIDERS[name]
    except KeyError:
        raise LookupError(f"no payment provider {name!r}") from None
    adapter: Provider = import_string(path)()
    return adapter
