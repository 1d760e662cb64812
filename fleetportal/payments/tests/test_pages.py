"""The pay pages (F-62, F-64): the "Pay" button's POST, the test provider's checkout, the return
page with the balance, the webhook endpoint, and the staff list; each page's role matrix."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.invoicing.models import Invoice
from fleetportal.payments.models import Payment, ProviderEvent, TestCheckout

pytestmark = pytest.mark.spec("F-62", "S14")


def pay(client: Client, invoice: Invoice, next_page: str = "/dashboard/") -> Any:
    return client.post(f"/payments/invoices/{invoice.pk}/pay/", {"next": next_page})


def checkout_path(payment: Payment) -> str:
    return f"/payments/test-checkout/{TestCheckout.objects.get(provider_id=payment.provider_id).token}/"


def test_pay_checkout_and_back_with_the_balance_at_zero(
    client: Client, login: Callable[..., object], billing_manager: User, company_invoice: Invoice
) -> None:
    login(client, billing_manager)
    started = pay(client, company_invoice)
    payment = Payment.objects.get()
    assert started.status_code == 302 and started["Location"] == payment.checkout_url

    page = client.get(checkout_path(payment))
    assert page.status_code == 200
    assert "Bancontact" in page.content.decode() and "€\xa0121.00" in page.content.decode()
    done = client.post(checkout_path(payment), {"method": "bancontact", "outcome": "succeed"})
    assert done.status_code == 302 and done["Location"] == f"http://testserver/payments/{payment.pk}/"

    back = client.get(f"/payments/{payment.pk}/")
    html = back.content.decode()
    assert back.status_code == 200 and "Thank you: your payment was received." in html
    assert '<dd data-testid="balance">€\xa00.00</dd>' in html and "Bancontact" in html
    company_invoice.refresh_from_db()
    assert company_invoice.status == Invoice.Status.PAID
    # The checkout again (back button): settled already, nothing happens twice.
    assert client.post(checkout_path(payment), {"method": "card", "outcome": "fail"}).status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.method == "bancontact"


def test_a_failed_checkout_says_so_and_offers_to_pay_again(
    client: Client, login: Callable[..., object], billing_manager: User, company_invoice: Invoice
) -> None:
    login(client, billing_manager)
    pay(client, company_invoice)
    payment = Payment.objects.get()
    client.post(checkout_path(payment), {"method": "ideal", "outcome": "fail"})
    html = client.get(f"/payments/{payment.pk}/").content.decode()
    assert "The payment was not completed (Failed)." in html
    assert f'action="/payments/invoices/{company_invoice.pk}/pay/"' in html
    assert '<dd data-testid="balance">€\xa0121.00</dd>' in html


def test_a_checkout_without_a_method_asks_for_one(
    client: Client, login: Callable[..., object], billing_manager: User, company_invoice: Invoice
) -> None:
    login(client, billing_manager)
    pay(client, company_invoice)
    payment = Payment.objects.get()
    page = client.post(checkout_path(payment), {"outcome": "succeed"})
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN


@pytest.mark.spec("F-64")
def test_role_matrix_of_the_pay_button(
    client: Client,
    login: Callable[..., object],
    member: User,
    manager: User,
    private_invoice: Invoice,
    company_invoice: Invoice,
    other_invoice: Invoice,
) -> None:
    login(client, member)
    assert pay(client, private_invoice).status_code == 302
    assert Payment.objects.filter(invoice=private_invoice).count() == 1
    assert pay(client, company_invoice).status_code == 404  # a member does not see it
    assert pay(client, other_invoice).status_code == 404
    client.logout()

    manager.memberships.update(functions=["fleet"])
    login(client, manager)
    assert pay(client, company_invoice).status_code == 404  # without the billing right: no invoices
    assert pay(client, private_invoice).status_code == 404  # someone else's private invoice
    assert pay(client, other_invoice).status_code == 404
    assert not Payment.objects.filter(invoice__in=[company_invoice, other_invoice]).exists()
    assert client.get(f"/payments/{Payment.objects.get().pk}/").status_code == 404


def test_pay_again_goes_back_to_the_checkout_under_way(
    client: Client, login: Callable[..., object], holder: User, company_invoice: Invoice
) -> None:
    login(client, holder)
    pay(client, company_invoice)
    again = pay(client, company_invoice)
    payment = Payment.objects.get()
    assert again.status_code == 302 and again["Location"] == payment.checkout_url


def test_a_refused_pay_goes_back_with_the_message(
    client: Client, login: Callable[..., object], holder: User, make_invoice: Callable[..., Invoice]
) -> None:
    paid = make_invoice(status=Invoice.Status.PAID, paid=Decimal("121.00"))
    login(client, holder)
    refused = pay(client, paid, "/invoices/?year=2026")
    assert refused.status_code == 302 and refused["Location"] == "/invoices/?year=2026"
    messages = [str(m) for m in refused.wsgi_request._messages]
    assert messages == ["This invoice is paid already."]
    assert pay(client, paid, "https://evil.example/")["Location"] == "/"
    assert not Payment.objects.exists()


def test_pay_needs_a_login_and_a_post(client: Client, company_invoice: Invoice) -> None:
    assert client.post(f"/payments/invoices/{company_invoice.pk}/pay/")["Location"].startswith("/accounts/login/")
    assert client.get(f"/payments/invoices/{company_invoice.pk}/pay/").status_code == 405


def test_the_webhook_endpoint_is_csrf_exempt_and_answers_each_case(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., object]
) -> None:
    from fleetportal.payments.actions import payment_start

    provider_side = Client(enforce_csrf_checks=True)
    payment = payment_start(actor=actor_for(holder), invoice=company_invoice)  # type: ignore[arg-type]
    TestCheckout.objects.filter(provider_id=payment.provider_id).update(status="paid", method="card")

    assert provider_side.post("/payments/webhook/test/", {"id": payment.provider_id}).status_code == 200
    assert provider_side.post("/payments/webhook/test/", {"id": payment.provider_id}).status_code == 200
    assert provider_side.post("/payments/webhook/test/", {"id": "tst_unknown"}).status_code == 404
    assert provider_side.post("/payments/webhook/test/", {}).status_code == 400
    bad_json = provider_side.post("/payments/webhook/test/", "{not json", content_type="application/json")
    assert bad_json.status_code == 400
    assert provider_side.post("/payments/webhook/nope/", {"id": "x"}).status_code == 404
    assert provider_side.get("/payments/webhook/test/").status_code == 405
    company_invoice.refresh_from_db()
    assert company_invoice.paid == Decimal("121.00")
    assert list(ProviderEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        "changed",
        "unchanged",
        "unknown",
        "bad_request",
        "bad_request",
        "unknown",
    ]


def test_staff_see_refund_cases_and_provider_calls_and_record_a_refund(
    client: Client,
    login: Callable[..., object],
    staff: User,
    holder: User,
    company_invoice: Invoice,
    actor_for: Callable[..., object],
) -> None:
    from fleetportal.payments.actions import payment_start, payment_webhook

    payment = payment_start(actor=actor_for(holder), invoice=company_invoice)  # type: ignore[arg-type]
    Invoice.objects.filter(pk=company_invoice.pk).update(status=Invoice.Status.PAID, paid=Decimal("121.00"))
    TestCheckout.objects.filter(provider_id=payment.provider_id).update(status="paid")
    payment_webhook(provider="test", provider_id=payment.provider_id)

    login(client, holder)
    assert client.get("/payments/staff/").status_code == 403
    client.logout()
    login(client, staff)
    html = client.get("/payments/staff/").content.decode()
    assert company_invoice.number in html and "Paid twice: refund due" in html and "Mark refunded" in html
    done = client.post(f"/payments/staff/{payment.pk}/refunded/", follow=True)
    assert "is recorded" in done.content.decode() and "Mark refunded" not in done.content.decode()
    payment.refresh_from_db()
    assert payment.refunded_at is not None


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({}, True),
        ({"status": Invoice.Status.PARTLY_PAID, "paid": Decimal("21.00")}, True),
        ({"status": Invoice.Status.PAID, "paid": Decimal("121.00")}, False),
        ({"status": Invoice.Status.CREDITED}, False),
        ({"kind": Invoice.Kind.CREDIT_NOTE, "total_incl_vat": Decimal("-121.00")}, False),
    ],
)
def test_the_pay_button_include_shows_for_a_balance_only(
    fields: dict[str, object],
    shown: bool,
    make_invoice: Callable[..., Invoice],
    rf: RequestFactory,
    holder: User,
    actor_for: Callable[..., Actor],
) -> None:
    invoice = make_invoice(**fields)
    request = rf.get("/invoices/")
    request.actor = actor_for(holder)  # type: ignore[attr-defined]
    html = render_to_string("payments/_pay_button.html", {"invoice": invoice}, request=request)
    assert (f'action="/payments/invoices/{invoice.pk}/pay/"' in html) is shown
    if shown:
        assert f"Pay €\xa0{invoice.balance}" in html and 'value="/invoices/"' in html


@pytest.mark.spec("F-64")
def test_the_pay_page_of_an_invoice_and_its_role_matrix(
    client: Client,
    login: Callable[..., object],
    member: User,
    private_invoice: Invoice,
    company_invoice: Invoice,
    other_invoice: Invoice,
) -> None:
    login(client, member)
    page = client.get(f"/payments/invoices/{private_invoice.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and '<dd data-testid="balance">€\xa012.10</dd>' in html
    assert f'action="/payments/invoices/{private_invoice.pk}/pay/"' in html
    assert client.get(f"/payments/invoices/{company_invoice.pk}/").status_code == 404
    assert client.get(f"/payments/invoices/{other_invoice.pk}/").status_code == 404


def test_the_pay_page_shows_no_button_to_whom_may_not_pay(
    client: Client, login: Callable[..., object], staff: User, company_invoice: Invoice
) -> None:
    login(client, staff)  # staff see every invoice, but the customer pays it
    html = client.get(f"/payments/invoices/{company_invoice.pk}/").content.decode()
    assert company_invoice.number in html and "/pay/" not in html


@pytest.mark.spec("F-64")
def test_the_pay_button_shows_to_whom_may_pay_only(
    rf: RequestFactory,
    actor_for: Callable[..., Actor],
    member: User,
    holder: User,
    private_invoice: Invoice,
    company_invoice: Invoice,
) -> None:
    def shown(user: User, invoice: Invoice) -> bool:
        request = rf.get("/invoices/")
        request.actor = actor_for(user)  # type: ignore[attr-defined]
        return "/pay/" in render_to_string("payments/_pay_button.html", {"invoice": invoice}, request=request)

    assert shown(member, private_invoice) and not shown(member, company_invoice)
    assert shown(holder, company_invoice) and not shown(holder, private_invoice)
