"""A blank SIM card order in Chromium (F-71): a manager orders 20 blank SIM cards from the
dashboard tile (15 refused on its field first), staff mark the order delivered on their
fulfilment page, the order's page lists the cards, and the manager takes one of them in the
Add SIM wizard's first step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fleetportal.simorders.models import SimOrder

from .test_tickets import DEMO_PASSWORD, log_in_staff


@pytest.mark.e2e
@pytest.mark.spec("F-71", "F-21")
def test_twenty_blank_sims_are_ordered_delivered_and_used_in_the_wizard(
    page: Page, browser, base_url, log_in, screenshot
) -> None:
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")
    page.get_by_role("link", name="Order blank SIM cards").click()
    expect(page.get_by_role("heading", name="Blank SIM card orders")).to_be_visible()
    page.get_by_role("button", name="Order blank SIM cards").click()
    expect(page.get_by_role("heading", name="Order blank SIM cards")).to_be_visible()

    page.get_by_label("Number of SIM cards").fill("15")
    page.get_by_label("Postal code").fill("2050")
    page.get_by_label("Locality").fill("Antwerpen")
    page.get_by_label("Street").fill("Katwilgweg")
    page.get_by_label("Number", exact=True).fill("2")
    page.get_by_label("Your message").fill("Reception desk, ask for Els.")
    page.get_by_role("button", name="Order", exact=True).click()
    expect(page.locator(".field-quantity .errorlist")).to_have_text("Order blank SIM cards in multiples of 10.")
    assert not SimOrder.objects.filter(locality="Antwerpen").exists()
    screenshot(page, "quantity-refused")

    page.get_by_label("Number of SIM cards").fill("20")
    page.get_by_role("button", name="Order", exact=True).click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    order = SimOrder.objects.get(locality="Antwerpen")
    expect(page.locator("dl.facts")).to_contain_text(f"Expected delivery{order.expected_on:%d/%m/%Y}")
    expect(page.locator("h1 .badge")).to_have_text("Ordered")
    screenshot(page, "ordered")

    staff_context = browser.new_context(base_url=base_url, locale="en-GB")
    desk = staff_context.new_page()
    log_in_staff(desk)
    desk.goto("/orders/staff/")
    row = desk.locator("tr", has=desk.get_by_text(f"#{order.pk}", exact=True))
    row.get_by_role("button", name="Mark delivered").click()
    expect(desk.get_by_text(f"Order #{order.pk} is now Delivered.")).to_be_visible()
    staff_context.close()

    page.reload()
    expect(page.locator("h1 .badge")).to_have_text("Delivered")
    expect(page.locator("td.iccid")).to_have_count(20)
    iccid = page.locator("td.iccid").first.inner_text()
    screenshot(page, "delivered")

    page.get_by_role("link", name="Add a SIM card").click()
    page.get_by_label("SIM card number (ICCID)").fill(f"{iccid[:4]} {iccid[4:]}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Is this a split bill?")).to_be_visible()
