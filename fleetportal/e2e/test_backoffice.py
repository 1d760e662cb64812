"""The operator back office in Chromium (F-93): an operator admin adds a customer (its holder
gets the login e-mail) and imports a range of numbers into the pool, on pages that look like
the portal; no CSP or script error on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


def _log_in_as_staff(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail or login name").fill("staff@operator.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.mark.e2e
@pytest.mark.spec("F-93", "F-04")
def test_an_operator_admin_adds_a_customer_and_imports_a_number_range(page: Page, outbox, screenshot) -> None:
    _log_in_as_staff(page)
    page.goto("/staff/")
    expect(page.get_by_role("heading", name="Operator back office")).to_be_visible()
    screenshot(page, "home")

    page.get_by_role("link", name="Add a customer").click()
    page.get_by_label("Company name").fill("Initech BV")
    page.get_by_label("VAT number").fill("BE0999999999")
    page.get_by_label("Language").select_option("fr")
    page.get_by_label("Country").select_option("BE")
    page.get_by_label("Login domain").fill("initech")
    page.get_by_label("Contract number").fill("C-777001")
    page.get_by_label("Start date").fill("2026-01-01")
    page.get_by_label("Currency of the contract").select_option("EUR")
    page.get_by_label("E-mail address of the contract holder").fill("boss@initech.example")
    page.get_by_label("Mobile number of the contract holder").fill("0470 55 44 33")
    page.get_by_label("Billing account").fill("100999888")
    page.get_by_role("button", name="Add the customer").click()
    expect(page.get_by_role("status")).to_contain_text("Initech BV was added")
    expect(page.get_by_role("heading", name="Initech BV")).to_be_visible()
    expect(page.get_by_role("link", name="C-777001")).to_be_visible()
    screenshot(page, "customer")
    assert "/invite/" in outbox.latest("email", "boss@initech.example")

    page.goto("/staff/customers/?q=initech")
    expect(page.get_by_role("cell", name="Initech BV")).to_be_visible()

    page.goto("/staff/")
    page.get_by_role("link", name="Import a range").click()
    page.get_by_label("First number").fill("+32 470 990 000")
    page.get_by_label("Last number").fill("+32 470 990 999")
    page.get_by_role("button", name="Import the range").click()
    expect(page).to_have_url(re.compile(r"/staff/numbers/$"))
    expect(page.get_by_role("status")).to_contain_text("1000 numbers were added to the pool; 0 were there already")
    page.get_by_label("Search a number").fill("0470 990 123")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name="+32 470 99 01 23")).to_be_visible()
    screenshot(page, "pool")
