"""The invoice pages (F-61, F-64): who sees which invoices, the statuses (overdue worked out),
totals and balances, the xlsx export, the downloads, the payment mode and the mandate form."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.billing.models import BillingAccount, DirectDebitMandate
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.models import Invoice, InvoiceItem
from fleetportal.notifications.models import OutboxMessage

from .rows import issued

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-61")]
Kind = InvoiceItem.Kind
Login = Callable[..., object]


def _company(customer: Customer, amount: str = "100.00", **fields: object) -> Invoice:
    line = LineFactory.create(customer=customer)
    return issued(customer, [(line, Kind.PLAN, "Business Unlimited", Decimal(amount))], **fields)


@pytest.fixture
def invoices(customer: Customer, member: User) -> dict[str, Invoice]:
    today = timezone.localdate()
    line = LineFactory.create(customer=customer, email="member@acme.example")
    return {
        "open": _company(customer, due_on=today + timedelta(days=10), period=date(2026, 9, 1)),
        "overdue": _company(customer, "50.00", due_on=today - timedelta(days=1), period=date(2026, 8, 1)),
        "paid": _company(customer, paid=Decimal("121.00"), status=Invoice.Status.PAID, period=date(2026, 7, 1)),
        "partly": _company(
            customer,
            paid=Decimal("21.00"),
            status=Invoice.Status.PARTLY_PAID,
            due_on=today + timedelta(days=3),
            period=date(2026, 6, 1),
        ),
        "private": issued(
            customer,
            [(line, Kind.PERSONAL, "Personal usage", Decimal("10.00"))],
            kind=Invoice.Kind.PRIVATE,
            line=line,
            member=member,
            due_on=today + timedelta(days=10),
        ),
    }


def _numbers(response: object) -> set[str]:
    content = response.content.decode()  # type: ignore[attr-defined]
    return {
        number for number in Invoice.objects.values_list("number", flat=True) if f'data-invoice="{number}"' in content
    }


def test_billing_manager_sees_every_invoice_with_statuses_and_totals(
    client: Client, login: Login, billing_manager: User, invoices: dict[str, Invoice], other_customer: Customer
) -> None:
    foreign = _company(other_customer)
    login(client, billing_manager)

    response = client.get("/invoices/")

    assert response.status_code == 200
    assert _numbers(response) == {invoice.number for invoice in invoices.values()}
    assert foreign.number not in response.content.decode()
    content = response.content.decode()
    assert f'data-invoice="{invoices["overdue"].number}"' in content
    assert content.count('data-status="overdue"') == 1
    assert content.count('data-status="partly_paid"') == 1
    # 121 + 60.50 + 121 + 121 + 12.10 incl. VAT; paid 121 + 21: balance 293.60
    assert 'data-testid="total-incl">€\xa0435.60' in content
    assert 'data-testid="total-balance">€\xa0293.60' in content


def test_filters_by_status_and_year(
    client: Client, login: Login, billing_manager: User, invoices: dict[str, Invoice]
) -> None:
    login(client, billing_manager)

    assert _numbers(client.get("/invoices/?status=overdue")) == {invoices["overdue"].number}
    assert _numbers(client.get("/invoices/?status=open")) == {invoices["open"].number, invoices["private"].number}
    assert _numbers(client.get("/invoices/?year=2026")) == {invoice.number for invoice in invoices.values()}
    bad = client.get("/invoices/?year=abc&account=-1")
    assert bad.status_code == 200  # a bad filter is a field error, not a 500


@pytest.mark.spec("F-64")
def test_member_and_manager_without_billing_right_see_only_their_private_invoices(
    client: Client, login: Login, member: User, manager: User, invoices: dict[str, Invoice], customer: Customer
) -> None:
    membership = manager.memberships.get()
    membership.functions = ["fleet"]
    membership.save()
    login(client, member)
    assert client.get("/invoices/").url == "/me/invoices/"  # type: ignore[attr-defined]
    mine = client.get("/me/invoices/")
    assert _numbers(mine) == {invoices["private"].number}
    assert f'href="/me/invoices/{invoices["private"].pk}/pdf/"' in mine.content.decode()
    assert client.get(f"/me/invoices/{invoices['private'].pk}/pdf/").status_code == 200
    assert client.get(f"/invoices/{invoices['private'].pk}/pdf/").status_code == 200
    assert client.get(f"/invoices/{invoices['open'].pk}/pdf/").status_code == 404
    assert client.get("/invoices/export.xlsx").status_code == 302

    client.logout()
    login(client, manager)
    assert _numbers(client.get("/me/invoices/")) == set()
    assert client.get(f"/invoices/{invoices['open'].pk}/ubl/").status_code == 404
    account = customer.billing_accounts.get()
    assert client.get(f"/invoices/accounts/{account.pk}/").status_code == 404


def test_other_customer_gets_404(
    client: Client, login: Login, other_holder: User, invoices: dict[str, Invoice]
) -> None:
    login(client, other_holder)
    for invoice in invoices.values():
        assert client.get(f"/invoices/{invoice.pk}/pdf/").status_code == 404
        assert client.get(f"/invoices/{invoice.pk}/ubl/").status_code == 404
    assert _numbers(client.get("/invoices/")) == set()


def test_downloads_are_attachments(
    client: Client, login: Login, billing_manager: User, invoices: dict[str, Invoice]
) -> None:
    login(client, billing_manager)
    invoice = invoices["open"]

    pdf = client.get(f"/invoices/{invoice.pk}/pdf/")
    ubl = client.get(f"/invoices/{invoice.pk}/ubl/")

    assert pdf["Content-Type"] == "application/pdf" and pdf.getvalue().startswith(b"%PDF")
    assert pdf["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert ubl["Content-Disposition"] == f'attachment; filename="{invoice.number}.xml"'
    assert b"<cbc:ID>" + invoice.number.encode() in ubl.getvalue()


def test_xlsx_export_opens_with_the_filter_and_neutralised_text(
    client: Client, login: Login, billing_manager: User, invoices: dict[str, Invoice], customer: Customer
) -> None:
    account = customer.billing_accounts.get()
    account.number = "=HYPERLINK(1)"
    account.save()
    login(client, billing_manager)

    response = client.get("/invoices/export.xlsx?status=overdue")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Date", "Invoice", "Billing account")
    assert len(rows) == 2
    assert rows[1][1] == invoices["overdue"].number
    assert rows[1][4] == 50 and rows[1][5] == 60.5 and rows[1][6] == 60.5
    assert rows[1][7] == "Overdue"
    assert sheet.cell(row=2, column=3).data_type == "s" and sheet.cell(row=2, column=3).quotePrefix
    assert AuditEvent.objects.filter(action="invoices.exported").count() == 1


def test_mandate_with_a_bad_iban_check_digit_changes_nothing(
    client: Client, login: Login, billing_manager: User, customer: Customer
) -> None:
    account = customer.billing_accounts.get()
    login(client, billing_manager)

    response = client.post(
        f"/invoices/accounts/{account.pk}/",
        {"mode": "direct_debit", "holder_name": "Acme", "iban": "BE72096123456769", "bic": "GKCCBEBB", "accept": "on"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["iban"]
    assert not DirectDebitMandate.objects.exists()
    account.refresh_from_db()
    assert account.payment_mode == BillingAccount.PaymentMode.TRANSFER


def test_mandate_signed_then_back_to_transfer(
    client: Client, login: Login, billing_manager: User, customer: Customer
) -> None:
    account = customer.billing_accounts.get()
    login(client, billing_manager)

    response = client.post(
        f"/invoices/accounts/{account.pk}/",
        {
            "mode": "direct_debit",
            "holder_name": "Acme NV",
            "iban": "BE71 0961 2345 6769",
            "bic": "gkccbebb",
            "accept": "on",
        },
    )

    assert response.status_code == 302
    mandate = DirectDebitMandate.objects.get()
    assert (mandate.iban, mandate.bic, mandate.signed_on) == ("BE71096123456769", "GKCCBEBB", timezone.localdate())
    assert mandate.reference.startswith("FP-")
    account.refresh_from_db()
    assert account.payment_mode == BillingAccount.PaymentMode.DIRECT_DEBIT
    assert AuditEvent.objects.filter(action="mandate.requested").count() == 1

    client.post(f"/invoices/accounts/{account.pk}/", {"mode": "transfer"})
    account.refresh_from_db()
    mandate.refresh_from_db()
    assert account.payment_mode == BillingAccount.PaymentMode.TRANSFER
    assert mandate.status == DirectDebitMandate.Status.REVOKED


def test_resend_mails_the_pdf_in_the_invoice_language(
    client: Client, login: Login, staff: User, customer: Customer
) -> None:
    account = customer.billing_accounts.get()
    account.invoice_email = "ap@acme.example"
    account.save()
    invoice = _company(customer, language="fr", period=date(2026, 10, 1))
    login(client, staff)

    client.post(f"/invoices/{invoice.pk}/send/")

    message = OutboxMessage.objects.get(recipient="ap@acme.example")
    assert invoice.number in message.subject
    assert "octobre 2026" in message.body  # the period in French
    (attachment,) = message.attachments
    assert attachment["filename"] == f"{invoice.number}.pdf" and attachment["content_type"] == "application/pdf"
    assert base64.b64decode(attachment["content"]).startswith(b"%PDF")


def test_pages_keep_the_filter(
    client: Client, login: Login, billing_manager: User, customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fleetportal.invoicing import views

    monkeypatch.setattr(views, "PAGE", 2)
    for _n in range(3):
        _company(customer, due_on=timezone.localdate() - timedelta(days=1))
    login(client, billing_manager)

    first = client.get("/invoices/?status=overdue")
    second = client.get("/invoices/?status=overdue&page=2")

    assert 'href="?status=overdue&amp;page=2"' in first.content.decode()
    assert len(_numbers(first)) == 2 and len(_numbers(second)) == 1


def test_staff_see_every_customer_invoice(
    client: Client, login: Login, staff: User, customer: Customer, other_customer: Customer
) -> None:
    mine, theirs = _company(customer), _company(other_customer)
    login(client, staff)

    assert _numbers(client.get("/invoices/")) == {mine.number, theirs.number}
    assert client.get(f"/invoices/{theirs.pk}/pdf/").status_code == 200
