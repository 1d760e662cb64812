"""POST /api/v1/invoices/{id}/payments and GET /api/v1/payments/{id} (F-62, F-64): the same
action and errors as the pages."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from fleetportal.accounts.models import User
from fleetportal.invoicing.models import Invoice
from fleetportal.payments.models import Payment, TestCheckout
from fleetportal.tests.api_client import ApiClient

pytestmark = pytest.mark.spec("F-62", "S14")


@pytest.fixture
def session(login: Callable[..., object]) -> Callable[[User], ApiClient]:
    def logged_in(user: User) -> ApiClient:
        client = ApiClient()
        login(client, user)
        return client

    return logged_in


def test_create_returns_the_checkout_and_get_follows_the_state(
    session: Callable[[User], ApiClient], billing_manager: User, company_invoice: Invoice
) -> None:
    client = session(billing_manager)
    created = client.post(f"/api/v1/invoices/{company_invoice.pk}/payments")
    assert created.status_code == 201, created.content
    body = created.json()
    payment = Payment.objects.get()
    assert body["id"] == payment.pk and body["status"] == "open" and body["provider"] == "test"
    assert body["checkout_url"] == payment.checkout_url and body["amount"] == "121.00"
    assert body["invoice_number"] == company_invoice.number and body["invoice_balance"] == "121.00"

    TestCheckout.objects.filter(provider_id=payment.provider_id).update(status="paid", method="ideal")
    Client().post("/payments/webhook/test/", {"id": payment.provider_id})  # the provider's form body
    state = client.get(f"/api/v1/payments/{payment.pk}").json()
    assert state["status"] == "paid" and state["method"] == "ideal" and state["checkout_url"] is None
    assert state["invoice_balance"] == "0.00" and state["paid_at"]


def test_a_second_payment_and_a_paid_invoice_are_refused_with_their_code(
    session: Callable[[User], ApiClient], holder: User, company_invoice: Invoice, make_invoice: Callable[..., Invoice]
) -> None:
    client = session(holder)
    assert client.post(f"/api/v1/invoices/{company_invoice.pk}/payments").status_code == 201
    again = client.post(f"/api/v1/invoices/{company_invoice.pk}/payments")
    assert again.status_code == 400
    assert again.json()["code"] == "payment_open" and again.json()["field"] == "invoice"
    paid = make_invoice(status=Invoice.Status.PAID, paid=Decimal("121.00"))
    refused = client.post(f"/api/v1/invoices/{paid.pk}/payments")
    assert refused.status_code == 400 and refused.json()["code"] == "already_paid"
    assert refused.json()["detail"] == "This invoice is paid already."
    assert Payment.objects.count() == 1


@pytest.mark.spec("F-64")
def test_role_matrix(
    session: Callable[[User], ApiClient],
    member: User,
    manager: User,
    private_invoice: Invoice,
    company_invoice: Invoice,
    other_invoice: Invoice,
    new_key: Callable[..., tuple[object, str]],
    holder: User,
) -> None:
    client = session(member)
    created = client.post(f"/api/v1/invoices/{private_invoice.pk}/payments")
    assert created.status_code == 201
    assert client.get(f"/api/v1/payments/{created.json()['id']}").status_code == 200
    assert client.post(f"/api/v1/invoices/{company_invoice.pk}/payments").status_code == 404
    assert client.post(f"/api/v1/invoices/{other_invoice.pk}/payments").status_code == 404

    manager.memberships.update(functions=["fleet"])
    no_billing = session(manager)
    assert no_billing.post(f"/api/v1/invoices/{company_invoice.pk}/payments").json()["code"] == "not_found"
    assert no_billing.get(f"/api/v1/payments/{created.json()['id']}").status_code == 404

    reader = ApiClient(new_key(holder, scopes=("read",))[1])  # a key reads, but pays nothing
    assert reader.get(f"/api/v1/payments/{created.json()['id']}").status_code == 200
    refused = reader.post(f"/api/v1/invoices/{company_invoice.pk}/payments")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert Payment.objects.count() == 1


def test_bad_ids_are_4xx(session: Callable[[User], ApiClient], holder: User) -> None:
    client = session(holder)
    assert client.post("/api/v1/invoices/999999/payments").status_code == 404
    assert client.post("/api/v1/invoices/abc/payments").status_code == 404
    assert client.get("/api/v1/payments/0").status_code in (404, 422)
    assert ApiClient().get("/api/v1/payments/1").status_code == 401
