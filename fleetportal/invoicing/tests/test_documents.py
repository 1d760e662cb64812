"""The invoice PDF (F-60): in the invoice's language, the totals and how to pay on page 1, the
details per line, the out-of-bundle costs at the end; rendered once and stored. Read back with
poppler's `pdftotext`, as a PDF reader would."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fleetportal.billing.models import BillingAccount, DirectDebitMandate
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.documents import invoice_render
from fleetportal.invoicing.models import Invoice, InvoiceItem
from fleetportal.usage.models import UsageRecord

from .rows import issued

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-60")]
Kind = InvoiceItem.Kind


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    assert data.startswith(b"%PDF-")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) is missing: make system-packages"
    text = subprocess.run([pdftotext, "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout  # noqa: S603
    return text.decode().rstrip("\f").split("\f")


def _squeezed(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def lines(customer: Customer) -> list[Line]:
    return [
        LineFactory.create(customer=customer, msisdn="+32470111111", first_name="Ann", last_name="Peeters"),
        LineFactory.create(customer=customer, msisdn="+32470222222", first_name="Bart", last_name="Claes"),
    ]


def _invoice(customer: Customer, lines: list[Line], **fields: object) -> Invoice:
    return issued(
        customer,
        [
            (lines[0], Kind.PLAN, "Business Unlimited", Decimal("40.00")),
            (lines[0], Kind.USAGE, "Roaming data 120 MB", Decimal("6.35")),
            (lines[1], Kind.PLAN, "Business Start", Decimal("15.00")),
            (lines[1], Kind.THIRD_PARTY, "SMS parking", Decimal("2.50")),
        ],
        **{"period": date(2026, 10, 1), **fields},
    )


def test_pdf_has_the_number_totals_and_lines_and_the_costs_at_the_end(customer: Customer, lines: list[Line]) -> None:
    UsageRecord.objects.create(
        record_id="r-1",
        line=lines[0],
        customer=customer,
        started_at=timezone.make_aware(datetime(2026, 10, 12, 9, 30)),
        kind=UsageRecord.Kind.DATA,
        zone="eu",
        quantity=Decimal(120),
        unit=UsageRecord.Unit.MB,
        period=date(2026, 10, 1),
        row=1,
        job_id=1,
        outcome=UsageRecord.Outcome.OUT_OF_BUNDLE,
        out_quantity=Decimal(120),
        price=Decimal("6.3500"),
    )
    invoice = invoice_render(_invoice(customer, lines, language="en"))

    pages = pdf_pages(invoice.pdf.read())
    first = _squeezed(pages[0])
    assert invoice.number in first
    assert "Amount excl. VAT € 63.85" in first
    assert "VAT 21 % € 13.41" in first
    assert "Amount incl. VAT € 77.26" in first
    assert "+++" + invoice.structured_communication[:3] + "/" in first
    assert "Due date 12/03/2026" in first and "October 2026" in first
    details = _squeezed(" ".join(pages[1:-1]))
    assert "+32470111111 · Ann Peeters" in details and "+32470222222 · Bart Claes" in details
    assert "Business Unlimited" in details and "Subtotal € 46.35" in details
    last = _squeezed(pages[-1])
    assert "Out-of-bundle costs" in last
    assert "Roaming data 120 MB € 6.35" in last and "SMS parking € 2.50" in last
    assert "Rated usage" in last and "6.35" in last


def test_pdf_in_the_invoice_language_and_direct_debit(customer: Customer, lines: list[Line]) -> None:
    account = customer.billing_accounts.get()
    account.payment_mode = BillingAccount.PaymentMode.DIRECT_DEBIT
    account.save()
    DirectDebitMandate.objects.create(
        account=account,
        reference="FP-MANDATE-1",
        iban="BE71096123456769",
        bic="GKCCBEBB",
        holder_name="Acme",
        signed_on=date(2026, 9, 1),
        created_by_label="test",
    )
    invoice = invoice_render(_invoice(customer, lines, language="nl"))

    first = _squeezed(pdf_pages(invoice.pdf.read())[0])
    assert "FP-MANDATE-1" in first
    assert "+++" not in first
    assert "oktober 2026" in first  # the period in Dutch


def test_rendered_once(customer: Customer, lines: list[Line]) -> None:
    invoice = invoice_render(_invoice(customer, lines))
    pdf_name, ubl_name = invoice.pdf.name, invoice.ubl.name
    InvoiceItem.objects.filter(invoice=invoice).update(description="changed afterwards")

    again = invoice_render(Invoice.objects.get(pk=invoice.pk))

    assert (again.pdf.name, again.ubl.name) == (pdf_name, ubl_name)
    assert "changed afterwards" not in " ".join(pdf_pages(again.pdf.read()))
