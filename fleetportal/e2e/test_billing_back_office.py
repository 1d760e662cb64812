"""Staff's billing back office in Chromium (F-61, F-62): a CAMT.053 statement imported on the
page pays part of an invoice by its structured communication, the report names the line it
could not match; the rest comes in as a bank transfer marked received: the invoice is paid."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import FilePayload, Page, expect

from fleetportal.invoicing.models import Invoice
from fleetportal.invoicing.tests.camt import camt053

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-61", "F-62")
def test_staff_import_a_statement_then_mark_the_rest_received(
    page: Page, screenshot, acme_open_invoice: Invoice
) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail or login name").fill("staff@operator.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    page.goto("/invoices/staff/bank/")
    statement = camt053(
        [
            {"reference": "E2E-1", "amount": "50.00", "ogm": acme_open_invoice.structured_communication},
            {"reference": "E2E-2", "amount": "12.00", "text": "phones, see mail"},
        ]
    )
    page.get_by_label("Bank statement (CAMT.053 XML or CODA)").set_input_files(
        files=[FilePayload(name="statement.xml", mimeType="application/xml", buffer=statement)]
    )
    page.get_by_role("button", name="Import the statement").click()
    expect(page.get_by_test_id("matched")).to_have_text("1")
    expect(page.get_by_test_id("unmatched")).to_have_text("1")
    expect(page.get_by_test_id("unmatched-lines")).to_contain_text("phones, see mail")
    screenshot(page, "statement")

    page.get_by_role("link", name=acme_open_invoice.number).first.click()
    expect(page.get_by_test_id("balance")).to_have_text("€\u00a041.61")
    page.get_by_label("Amount received").fill("41.61")
    page.get_by_label("Received on").fill("2026-11-30")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_role("status")).to_contain_text("is paid")
    expect(page.get_by_test_id("balance")).to_have_text("€\u00a00.00")
    screenshot(page, "paid")
    acme_open_invoice.refresh_from_db()
    assert (acme_open_invoice.status, acme_open_invoice.paid) == (Invoice.Status.PAID, Decimal("91.61"))
