"""The Mollie adapter through the official client, its HTTP mocked with `responses` (no
internet): the payment it creates, the re-fetch of the webhook, and Mollie's errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, cast

import pytest
import responses
from django.test import Client

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.invoicing.models import Invoice
from fleetportal.payments import actions
from fleetportal.payments.models import Payment, ProviderEvent
from fleetportal.payments.providers.base import NewPayment, ProviderError, UnknownPayment
from fleetportal.payments.providers.mollie import MollieProvider

pytestmark = pytest.mark.spec("F-62", "S14")

API = "https://api.mollie.com/v2/payments"


def mollie_payment(status: str = "open", method: str | None = None, pid: str = "tr_WDqYK6vllg") -> dict[str, Any]:
    return {
        "resource": "payment",
        "id": pid,
        "mode": "test",
        "status": status,
        "method": method,
        "amount": {"value": "121.00", "currency": "EUR"},
        "description": "Invoice 1",
        "_links": {"checkout": {"href": f"https://www.mollie.com/checkout/select-method/{pid}", "type": "text/html"}},
    }


@pytest.fixture
def mollie(settings: Any) -> Iterator[responses.RequestsMock]:
    settings.PAYMENT_PROVIDER = "mollie"
    settings.MOLLIE_API_KEY = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
    settings.PAYMENT_WEBHOOK_BASE_URL = "https://portal.operator.example"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


def test_create_sends_amount_urls_and_metadata(mollie: responses.RequestsMock, db: None) -> None:
    mollie.post(API, json=mollie_payment(), status=201)
    checkout = MollieProvider().create(
        NewPayment(
            payment_id=7,
            amount=Decimal("121"),
            currency="EUR",
            description="Invoice 202600000001",
            redirect_url="https://portal.operator.example/payments/7/",
            webhook_url="https://portal.operator.example/payments/webhook/mollie/",
            metadata={"payment": "7", "invoice": "202600000001"},
        )
    )
    assert checkout.provider_id == "tr_WDqYK6vllg"
    assert checkout.checkout_url == "https://www.mollie.com/checkout/select-method/tr_WDqYK6vllg"
    sent = mollie.calls[0].request
    assert json.loads(cast(bytes, sent.body)) == {
        "amount": {"currency": "EUR", "value": "121.00"},
        "description": "Invoice 202600000001",
        "redirectUrl": "https://portal.operator.example/payments/7/",
        "webhookUrl": "https://portal.operator.example/payments/webhook/mollie/",
        "metadata": {"payment": "7", "invoice": "202600000001"},
    }
    assert sent.headers["Authorization"] == "Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
    assert sent.headers["Idempotency-Key"] == "fleetportal-payment-7"


@pytest.mark.parametrize(
    ("status", "method", "ours", "our_method"),
    [
        ("open", None, "open", ""),
        ("pending", "creditcard", "open", "card"),
        ("authorized", "creditcard", "open", "card"),
        ("paid", "bancontact", "paid", "bancontact"),
        ("failed", "ideal", "failed", "ideal"),
        ("canceled", None, "canceled", ""),
        ("expired", None, "expired", ""),
    ],
)
def test_fetch_maps_mollies_states(
    status: str, method: str | None, ours: str, our_method: str, mollie: responses.RequestsMock, db: None
) -> None:
    mollie.get(f"{API}/tr_WDqYK6vllg", json=mollie_payment(status, method))
    state = MollieProvider().fetch("tr_WDqYK6vllg")
    assert (state.status, state.method) == (ours, our_method)


def test_unknown_ids_and_errors(mollie: responses.RequestsMock, db: None) -> None:
    mollie.get(
        f"{API}/tr_missing",
        status=404,
        json={"status": 404, "title": "Not Found", "detail": "No payment exists with token tr_missing."},
    )
    mollie.get(f"{API}/tr_broken", status=500, json={"status": 500, "title": "Error", "detail": "Try later"})
    with pytest.raises(UnknownPayment):
        MollieProvider().fetch("tr_missing")
    with pytest.raises(UnknownPayment):
        MollieProvider().fetch("not-a-mollie-id")  # the client refuses it before any HTTP
    with pytest.raises(ProviderError) as down:
        MollieProvider().fetch("tr_broken")
    assert not isinstance(down.value, UnknownPayment)


def test_a_missing_api_key_is_a_provider_error(settings: Any) -> None:
    settings.MOLLIE_API_KEY = ""
    with pytest.raises(ProviderError):
        MollieProvider()


def test_pay_through_mollie_and_its_webhook_carrying_only_the_id(
    mollie: responses.RequestsMock, holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    mollie.post(API, json=mollie_payment(), status=201)
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    assert payment.provider == "mollie" and payment.provider_id == "tr_WDqYK6vllg"
    assert payment.checkout_url.startswith("https://www.mollie.com/checkout/")
    assert json.loads(cast(bytes, mollie.calls[0].request.body))["metadata"] == {
        "payment": str(payment.pk),
        "invoice": company_invoice.number,
    }

    mollie.get(f"{API}/tr_WDqYK6vllg", json=mollie_payment("paid", "bancontact"))
    for _ in range(3):  # Mollie retries; each call is re-fetched, one books
        assert Client().post("/payments/webhook/mollie/", {"id": "tr_WDqYK6vllg"}).status_code == 200
    assert len([c for c in mollie.calls if c.request.method == "GET"]) == 3
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.method == "bancontact"
    company_invoice.refresh_from_db()
    assert company_invoice.paid == Decimal("121.00") and company_invoice.status == Invoice.Status.PAID
    outcomes = list(ProviderEvent.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["changed", "unchanged", "unchanged"]


def test_mollie_down_at_the_start_refuses_with_a_message(
    mollie: responses.RequestsMock, holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    mollie.post(API, status=503, json={"status": 503, "title": "Unavailable", "detail": "Maintenance"})
    with pytest.raises(ActionError) as refused:
        actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    assert refused.value.code == "provider_unavailable"
    assert Payment.objects.get().status == Payment.Status.FAILED


def test_mollie_down_at_the_webhook_answers_503_so_it_calls_again(
    mollie: responses.RequestsMock, holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    mollie.post(API, json=mollie_payment(), status=201)
    actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    mollie.get(f"{API}/tr_WDqYK6vllg", status=502, body="Bad gateway")
    assert Client().post("/payments/webhook/mollie/", {"id": "tr_WDqYK6vllg"}).status_code == 503
    assert Payment.objects.get().status == Payment.Status.OPEN
