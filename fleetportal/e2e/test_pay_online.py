"""Paying an invoice online in Chromium (F-62, QUALITY S14): the pay page, the test provider's
checkout (Bancontact, succeed), back on the portal with the balance at zero."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fleetportal.invoicing.models import Invoice

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-62", "S14")
def test_pay_an_invoice_with_bancontact_through_the_test_provider(
    page: Page, log_in, screenshot, acme_open_invoice: Invoice
) -> None:
    log_in(page, "holder@acme.example", DEMO_PASSWORD, "+32470000001")

    page.goto(f"/payments/invoices/{acme_open_invoice.pk}/")
    expect(page.get_by_test_id("balance")).to_have_text("€\u00a091.61")
    screenshot(page, "invoice")
    page.get_by_role("button", name=f"Pay invoice {acme_open_invoice.number}").click()

    expect(page).to_have_url(re.compile(r"/payments/test-checkout/[\w-]+/$"))
    expect(page.get_by_text("€\u00a091.61")).to_be_visible()
    page.get_by_label("Bancontact").check()
    screenshot(page, "checkout")
    page.get_by_role("button", name="Succeed").click()

    expect(page).to_have_url(re.compile(rf"/payments/{acme_open_invoice.payments.get().pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Thank you: your payment was received.")
    expect(page.get_by_test_id("balance")).to_have_text("€\u00a00.00")
    expect(page.get_by_text("Bancontact")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Pay"))).to_have_count(0)
    screenshot(page, "paid")

    page.goto(f"/payments/invoices/{acme_open_invoice.pk}/")
    expect(page.get_by_test_id("balance")).to_have_text("€\u00a00.00")
    expect(page.get_by_role("cell", name="Paid", exact=True)).to_be_visible()
    acme_open_invoice.refresh_from_db()
    assert acme_open_invoice.status == Invoice.Status.PAID and acme_open_invoice.paid == Decimal("91.61")
