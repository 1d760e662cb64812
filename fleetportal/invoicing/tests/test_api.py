"""The invoices API (F-61, F-64): lists and reads by scope, the PDF and UBL downloads, an
account's balance, direct debit mandates (a bad IBAN is a 422 naming it, nothing changed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fleetportal.accounts.models import ApiKey, User
from fleetportal.billing.models import BillingAccount, DirectDebitMandate
from fleetportal.core.models import Customer
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.models import Invoice, InvoiceItem
from fleetportal.tests.api_client import ApiClient

from .rows import issued

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-61")]
NewKey = Callable[..., tuple[ApiKey, str]]
Kind = InvoiceItem.Kind


@pytest.fixture
def invoices(customer: Customer, member: User) -> dict[str, Invoice]:
    line = LineFactory.create(customer=customer)
    today = timezone.localdate()
    return {
        "open": issued(customer, [(line, Kind.PLAN, "Plan", Decimal("100.00"))], due_on=today + timedelta(days=5)),
        "overdue": issued(customer, [(line, Kind.PLAN, "Plan", Decimal("50.00"))], due_on=today - timedelta(days=5)),
        "private": issued(
            customer,
            [(line, Kind.PERSONAL, "Personal usage", Decimal("10.00"))],
            kind=Invoice.Kind.PRIVATE,
            line=line,
            member=member,
            due_on=today + timedelta(days=5),
        ),
    }


def _numbers(body: dict) -> set[str]:
    return {item["number"] for item in body["items"]}


def test_billing_key_lists_filters_and_reads(
    new_key: NewKey, holder: User, invoices: dict[str, Invoice], other_customer: Customer
) -> None:
    foreign = issued(other_customer, [(None, Kind.POOL, "Pool", Decimal("10.00"))])
    client = ApiClient(new_key(holder, scopes=["billing"])[1])

    listed = client.get("/api/v1/invoices").json()
    overdue = client.get("/api/v1/invoices?status=overdue").json()
    detail = client.get(f"/api/v1/invoices/{invoices['open'].pk}").json()

    assert listed["count"] == 3 and _numbers(listed) == {i.number for i in invoices.values()}
    assert _numbers(overdue) == {invoices["overdue"].number}
    assert overdue["items"][0]["status"] == "overdue"
    assert detail["total_incl_vat"] == "121.00" and detail["balance"] == "121.00"
    assert detail["structured_communication"].startswith("+++")
    assert detail["items"][0]["description"] == "Plan"
    assert client.get(f"/api/v1/invoices/{foreign.pk}").status_code == 404
    assert client.get(f"/api/v1/invoices/{foreign.pk}/pdf").status_code == 404


def test_a_key_without_billing_or_read_sees_none(new_key: NewKey, holder: User, invoices: dict[str, Invoice]) -> None:
    client = ApiClient(new_key(holder, scopes=["fleet"])[1])

    assert client.get("/api/v1/invoices").json()["count"] == 0
    assert client.get(f"/api/v1/invoices/{invoices['open'].pk}").status_code == 404
    account = invoices["open"].billing_account
    assert client.get(f"/api/v1/billing-accounts/{account.pk}/balance").status_code == 404


@pytest.mark.spec("F-64")
def test_member_session_reads_only_own_private_invoices(
    client: object, login: Callable[..., object], member: User, invoices: dict[str, Invoice]
) -> None:
    api = ApiClient()
    login(api, member)

    body = api.get("/api/v1/invoices?mine=true").json()

    assert _numbers(body) == {invoices["private"].number}
    assert _numbers(api.get("/api/v1/invoices").json()) == {invoices["private"].number}
    pdf = api.get(f"/api/v1/invoices/{invoices['private'].pk}/pdf")
    assert pdf.status_code == 200 and pdf.getvalue().startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert api.get(f"/api/v1/invoices/{invoices['open'].pk}/ubl").status_code == 404


def test_ubl_download_and_balance(new_key: NewKey, holder: User, invoices: dict[str, Invoice]) -> None:
    client = ApiClient(new_key(holder, scopes=["read"])[1])
    Invoice.objects.filter(pk=invoices["open"].pk).update(paid=Decimal("21.00"), status=Invoice.Status.PARTLY_PAID)
    account = invoices["open"].billing_account

    ubl = client.get(f"/api/v1/invoices/{invoices['open'].pk}/ubl")
    balance = client.get(f"/api/v1/billing-accounts/{account.pk}/balance").json()

    assert ubl["Content-Type"] == "application/xml" and b"<cbc:CustomizationID>" in ubl.getvalue()
    # 121 - 21 + 60.50 + 12.10
    assert balance == {
        "billing_account": account.number,
        "payment_mode": "transfer",
        "currency": "EUR",
        "open_balance": "172.60",
        "overdue": "60.50",
    }


def test_bad_filters_are_422(new_key: NewKey, holder: User) -> None:
    client = ApiClient(new_key(holder, scopes=["billing"])[1])

    assert client.get("/api/v1/invoices?status=nonsense").status_code == 422
    assert client.get("/api/v1/invoices?year=abc").status_code == 422


def test_mandate_through_the_api(new_key: NewKey, holder: User, customer: Customer) -> None:
    account = customer.billing_accounts.get()
    reader = ApiClient(new_key(holder, scopes=["read"], name="reader")[1])
    billing = ApiClient(new_key(holder, scopes=["billing"], name="billing")[1])
    body = {"iban": "BE71096123456769", "bic": "GKCCBEBB", "holder_name": "Acme NV"}
    path = f"/api/v1/billing-accounts/{account.pk}/mandates"

    assert reader.send("POST", path, body).status_code == 403
    bad = billing.send("POST", path, {**body, "iban": "BE72096123456769"})
    assert bad.status_code == 422 and bad.json()["field"] == "iban"
    assert not DirectDebitMandate.objects.exists()

    created = billing.send("POST", path, body)

    assert created.status_code == 201 and created.json()["iban"] == "BE71096123456769"
    assert [m["reference"] for m in billing.get(path).json()] == [created.json()["reference"]]
    account.refresh_from_db()
    assert account.payment_mode == BillingAccount.PaymentMode.DIRECT_DEBIT
