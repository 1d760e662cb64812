"""Paying an invoice online in Chromium (F-62, QUALITY S14): the pay page, the test provider's
checkout (Bancontact, succeed), back on the portal with the balance at zero; and a phone-number
login paying its private invoice from the member pages (F-64, F-74, F-08)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fleetportal.fleet.demo import MEMBER_NUMBER
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


@pytest.mark.e2e
@pytest.mark.spec("F-62", "F-64", "F-74", "F-08")
def test_a_phone_number_login_pays_its_private_invoice(
    page: Page, log_in_by_number, screenshot, member_private_invoice: Invoice
) -> None:
    log_in_by_number(page, MEMBER_NUMBER)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="My invoices").click()

    expect(page).to_have_url(re.compile(r"/me/invoices/$"))
    row = page.locator(f'tr[data-invoice="{member_private_invoice.number}"]')
    expect(row.locator("[data-status]")).to_have_text("Open")
    screenshot(page, "my-invoices")
    row.get_by_role("button", name=f"Pay invoice {member_private_invoice.number}").click()

    expect(page).to_have_url(re.compile(r"/payments/test-checkout/[\w-]+/$"))
    expect(page.get_by_text("€\u00a012.10")).to_be_visible()
    page.get_by_label("Bancontact").check()
    page.get_by_role("button", name="Succeed").click()

    expect(page).to_have_url(re.compile(rf"/me/payments/{member_private_invoice.payments.get().pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Thank you: your payment was received.")
    expect(page.get_by_test_id("balance")).to_have_text("€\u00a00.00")
    screenshot(page, "paid")
    page.get_by_role("article").get_by_role("link", name="My invoices").click()

    expect(page).to_have_url(re.compile(r"/me/invoices/$"))
    expect(row.locator("[data-status]")).to_have_text("Paid")
    expect(row.get_by_role("button", name=re.compile("^Pay"))).to_have_count(0)
    member_private_invoice.refresh_from_db()
    assert member_private_invoice.status == Invoice.Status.PAID and member_private_invoice.paid == Decimal("12.10")
