"""A phone-number login pays its private invoices on the member pages (F-64, F-74, F-08): the
same action and test provider as a full login's, under /me/; only its number's private invoices,
never a colleague's or the company's, and not at all when the contract holder took the
"invoices" function away from number logins."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from fleetportal.accounts.models import User
from fleetportal.conftest import make_actor
from fleetportal.core.actor import Actor
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.models import Invoice
from fleetportal.payments import actions
from fleetportal.payments.models import Payment, TestCheckout
from fleetportal.payments.policy import may_pay

from .conftest import invoice_of

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-62", "F-64", "F-74", "F-08")]

NUMBER = "+32470000003"  # the `member` fixture's mobile number, which logs in by number
COLLEAGUE = "+32470000777"


def _private(customer: Customer, line: Line) -> Invoice:
    return invoice_of(
        customer,
        kind=Invoice.Kind.PRIVATE,
        line=line,
        member=line.user,
        total_excl_vat=Decimal("10.00"),
        vat=Decimal("2.10"),
        total_incl_vat=Decimal("12.10"),
    )


@pytest.fixture
def own_line(customer: Customer, member: User) -> Line:
    return LineFactory.create(customer=customer, msisdn=NUMBER, user=member)


@pytest.fixture
def own_private(customer: Customer, own_line: Line) -> Invoice:
    return _private(customer, own_line)


@pytest.fixture
def colleague_private(customer: Customer) -> Invoice:
    return _private(customer, LineFactory.create(customer=customer, msisdn=COLLEAGUE))


@pytest.fixture
def own_company(customer: Customer, own_line: Line) -> Invoice:
    """A company invoice that names the number's line: still the employer's to pay."""
    return invoice_of(customer, line=own_line)


@pytest.fixture
def number_client(client: Client, number_login: Callable[..., object], member: User) -> Client:
    number_login(client, NUMBER)
    return client


def _number_actor(member: User, number: str = NUMBER) -> Actor:
    return Actor(user=member, membership=make_actor(member).membership, number=number)


def test_a_number_login_pays_its_private_invoice_on_the_member_pages(
    number_client: Client, own_private: Invoice, member: User
) -> None:
    page = number_client.get("/me/invoices/").content.decode()
    assert own_private.number in page and f'href="/me/invoices/{own_private.pk}/pdf/"' in page
    assert f'action="/me/payments/invoices/{own_private.pk}/pay/"' in page
    assert number_client.get(f"/me/invoices/{own_private.pk}/pdf/").status_code == 200

    started = number_client.post(f"/me/payments/invoices/{own_private.pk}/pay/", {"next": "/me/invoices/"})
    payment = Payment.objects.get(invoice=own_private)
    assert started.status_code == 302 and started["Location"] == payment.checkout_url
    assert payment.amount == Decimal("12.10") and payment.created_by == member
    checkout = TestCheckout.objects.get(provider_id=payment.provider_id)
    assert checkout.redirect_url == f"http://testserver/me/payments/{payment.pk}/"
    assert number_client.get(f"/payments/test-checkout/{checkout.token}/").status_code == 200

    # The provider's side, as the webhook tests drive it: paid there, then its webhook call.
    TestCheckout.objects.filter(pk=checkout.pk).update(status="paid", method="bancontact")
    assert Client().post("/payments/webhook/test/", {"id": payment.provider_id}).status_code == 200

    back = number_client.get(f"/me/payments/{payment.pk}/").content.decode()
    assert "Thank you: your payment was received." in back and '<dd data-testid="balance">€\xa00.00</dd>' in back
    own_private.refresh_from_db()
    assert own_private.status == Invoice.Status.PAID and own_private.paid == Decimal("12.10")
    assert "/pay/" not in number_client.get("/me/invoices/").content.decode()
    started_event = AuditEvent.objects.get(action="payment.started")
    assert started_event.actor == member


def test_a_number_login_pays_nothing_but_its_number_s_private_invoices(
    number_client: Client,
    own_private: Invoice,
    colleague_private: Invoice,
    own_company: Invoice,
    other_invoice: Invoice,
    member: User,
) -> None:
    page = number_client.get("/me/invoices/").content.decode()
    assert colleague_private.number not in page and own_company.number not in page
    for invoice in (colleague_private, own_company, other_invoice):
        assert number_client.post(f"/me/payments/invoices/{invoice.pk}/pay/").status_code == 404
        assert number_client.get(f"/me/invoices/{invoice.pk}/pdf/").status_code == 404
        # The full login's pay address is outside the number login's pages.
        assert number_client.post(f"/payments/invoices/{invoice.pk}/pay/")["Location"] == "/me/"
    assert not Payment.objects.exists()

    for invoice in (colleague_private, own_company):  # the action refuses them too, page or not
        with pytest.raises(PermissionDeniedError):
            actions.payment_start(actor=_number_actor(member), invoice=invoice)
    assert not Payment.objects.exists()


def test_a_number_login_sees_no_payment_of_another_number(
    number_client: Client, customer: Customer, member: User
) -> None:
    """The member's other line: her full login pays it, her login by this number does not see it."""
    other_line = _private(customer, LineFactory.create(customer=customer, msisdn="+32470000555", user=member))
    payment = actions.payment_start(actor=make_actor(member), invoice=other_line)
    assert payment.checkout_url and TestCheckout.objects.get(provider_id=payment.provider_id).redirect_url.endswith(
        f"/payments/{payment.pk}/"
    )
    assert number_client.get(f"/me/payments/{payment.pk}/").status_code == 404
    assert number_client.post(f"/me/payments/invoices/{other_line.pk}/pay/").status_code == 404


def test_without_the_invoices_function_a_number_login_has_no_invoices(
    number_client: Client, own_private: Invoice, customer: Customer, member: User
) -> None:
    customer.number_login_functions = ["usage", "alerts"]
    customer.save()
    assert number_client.get("/me/invoices/").status_code == 404
    assert number_client.get(f"/me/invoices/{own_private.pk}/pdf/").status_code == 404
    assert number_client.post(f"/me/payments/invoices/{own_private.pk}/pay/").status_code == 404
    home = number_client.get("/me/").content.decode()
    assert "/me/invoices/" not in home
    assert not may_pay(_number_actor(member), own_private)
    assert not Payment.objects.exists()

    customer.number_login_functions = ["invoices"]
    customer.save()
    assert 'href="/me/invoices/"' in number_client.get("/me/").content.decode()
    assert number_client.get("/me/invoices/").status_code == 200


def test_who_may_pay_which_invoice(
    customer: Customer,
    member: User,
    holder: User,
    billing_manager: User,
    own_line: Line,
    own_private: Invoice,
    colleague_private: Invoice,
    own_company: Invoice,
    other_invoice: Invoice,
) -> None:
    """The role matrix of `may_pay`, the one rule the action and the "Pay" button share."""
    by_number = _number_actor(member)
    matrix = {
        "member": (make_actor(member), {own_private}),
        "number login": (by_number, {own_private}),
        "other number": (_number_actor(member, COLLEAGUE), {colleague_private}),
        "holder": (make_actor(holder), {own_company}),
        "billing manager": (make_actor(billing_manager), {own_company}),
    }
    every = (own_private, colleague_private, own_company, other_invoice)
    for who, (actor, payable) in matrix.items():
        assert {invoice for invoice in every if may_pay(actor, invoice)} == payable, who
    Line.objects.filter(pk=own_line.pk).update(status=Line.Status.STOPPED)
    assert not may_pay(by_number, own_private)  # the number's next user will not pay it
    assert may_pay(make_actor(member), own_private)  # its employee still may, by their login
