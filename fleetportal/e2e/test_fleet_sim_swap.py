"""SIM swap in Chromium (F-24): find the number in the overview, select it, "Replace SIM", a
SIM card already in use refused, then a blank card from stock replaces the old one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fleetportal.core.phones import display
from fleetportal.fleet.models import Line, SimCard
from fleetportal.fleet.tests.pages import sim_of

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-20", "F-24")
def test_manager_replaces_the_sim_card_of_a_number(page: Page, log_in, screenshot) -> None:
    line = Line.objects.filter(customer__login_domain="acme", status=Line.Status.ACTIVE).order_by("msisdn").last()
    taken = Line.objects.filter(customer__login_domain="acme", status=Line.Status.ACTIVE).order_by("msisdn").first()
    new = (
        SimCard.objects.filter(status=SimCard.Status.BLANK, kind=SimCard.Kind.PHYSICAL, customer__login_domain="acme")
        .order_by("iccid")
        .first()
    )
    assert line and taken and new and line.sim
    old = line.sim.iccid
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.goto("/fleet/lines/")
    page.get_by_label("Search").fill(display(line.msisdn))
    rows = page.locator("table.lines tbody tr")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]q="))  # the filter is in the address bar (htmx push)
    page.get_by_role("checkbox", name=f"Select {display(line.msisdn)}").check()
    expect(page.get_by_text("1 SIM card selected")).to_be_visible()
    screenshot(page, "selected")
    page.get_by_role("button", name="Replace SIM").click()

    expect(page.get_by_role("heading", name=f"Replace the SIM card for {display(line.msisdn)}")).to_be_visible()
    expect(page.get_by_text(old)).to_be_visible()
    page.get_by_label("New SIM card number").fill(sim_of(taken).iccid)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("This SIM card is already in use.")).to_be_visible()
    screenshot(page, "in-use")
    page.get_by_label("New SIM card number").fill(new.iccid)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_text("The SIM card of this number was replaced.")).to_be_visible()
    expect(page.locator("ol.history")).to_contain_text("SIM card replaced")
    line.refresh_from_db()
    assert line.sim_id == new.pk
    assert SimCard.objects.get(iccid=old).status == SimCard.Status.RETIRED
    screenshot(page, "done")
    page.get_by_role("link", name="User details").click()
    expect(page.locator("dl.sim-facts")).to_contain_text(new.iccid)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "details-phone")
