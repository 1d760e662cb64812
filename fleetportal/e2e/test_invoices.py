"""The invoices page in Chromium (F-61): a billing manager opens it from the dashboard's menu,
sees the invoice with its amounts and open balance, and downloads its PDF and e-invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fleetportal.core.models import Customer
from fleetportal.invoicing.models import Invoice, InvoiceItem
from fleetportal.invoicing.ogm import structured_communication

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


def open_invoice() -> Invoice:
    acme = Customer.objects.get(login_domain="acme")
    account = acme.billing_accounts.order_by("number")[0]
    invoice = Invoice.objects.create(
        number="202698000001",
        year=2026,
        sequence=98000001,
        customer=acme,
        billing_account=account,
        period=date(2019, 1, 1),
        issued_on=date(2026, 11, 5),
        due_on=date(2099, 12, 5),
        language="en",
        vat_rate=Decimal(21),
        total_excl_vat=Decimal("75.71"),
        vat=Decimal("15.90"),
        total_incl_vat=Decimal("91.61"),
        structured_communication=structured_communication(2026_98000_1),
    )
    InvoiceItem.objects.create(invoice=invoice, kind="plan", description="Business Unlimited", amount=Decimal("75.71"))
    return invoice


@pytest.mark.e2e
@pytest.mark.spec("F-61")
def test_billing_manager_downloads_an_invoice_pdf(page: Page, log_in, screenshot) -> None:
    invoice = open_invoice()
    log_in(page, "holder@acme.example", DEMO_PASSWORD, "+32470000001")

    page.goto("/invoices/")
    row = page.locator(f'tr[data-invoice="{invoice.number}"]')
    expect(row).to_contain_text("€\u00a091.61")
    expect(row.locator("[data-status]")).to_have_text("Open")
    expect(row.get_by_role("button", name=f"Pay invoice {invoice.number}")).to_be_visible()
    screenshot(page, "invoices")

    with page.expect_download() as caught:
        row.get_by_role("link", name="Download PDF").click()
    pdf = caught.value
    assert pdf.failure() is None and pdf.suggested_filename == f"{invoice.number}.pdf"
    assert pdf.path().read_bytes().startswith(b"%PDF")

    with page.expect_download() as caught:
        row.get_by_role("link", name="UBL").click()
    assert b"<cbc:CustomizationID>" in caught.value.path().read_bytes()
