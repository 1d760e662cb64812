"""Line controls in Chromium: a manager blocks mobile data for three lines selected on the SIM
overview (choose, read the review per number, apply), then opens one line and sees the block
(F-40); a member switches off their bundle alerts on their own page (F-43)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fleetportal.core.phones import display
from fleetportal.fleet.demo import MEMBER_NUMBER
from fleetportal.fleet.models import Line, LineBlock
from fleetportal.network.models import ProvisioningRequest

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-20", "F-40")
def test_manager_blocks_data_on_three_selected_lines_and_sees_it_on_one(page: Page, log_in, screenshot) -> None:
    lines = list(
        Line.objects.filter(customer__login_domain="acme", status=Line.Status.ACTIVE, blocks=None).order_by("msisdn")[
            :3
        ]
    )
    assert len(lines) == 3
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.goto("/fleet/lines/")
    for line in lines:
        page.get_by_role("checkbox", name=f"Select {display(line.msisdn)}").check()
    expect(page.get_by_text("3 SIM cards selected")).to_be_visible()
    page.get_by_role("toolbar").get_by_role("button", name="Blocks", exact=True).click()

    expect(page.get_by_role("heading", name="Manage blocks")).to_be_visible()
    page.locator("fieldset").filter(has=page.locator("legend", has_text="Block")).first.get_by_label(
        "Mobile data", exact=True
    ).check()
    table = page.locator("table.review")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").filter(has_text=display(lines[0].msisdn))).to_contain_text("+ Mobile data")
    expect(page.get_by_text("The blocks of 3 numbers change.")).to_be_visible()
    screenshot(page, "review")
    page.get_by_role("button", name="Apply changes").click()
    expect(page.get_by_text("The blocks of 3 numbers were changed.")).to_be_visible()
    for line in lines:
        assert set(LineBlock.objects.filter(line=line).values_list("service", flat=True)) == {"data"}
        assert ProvisioningRequest.objects.filter(line=line, operation="blocks").exists()

    row = page.locator("table.lines tbody tr").filter(has_text=display(lines[0].msisdn))
    expect(row.locator(".badge.blocked")).to_be_visible()
    row.get_by_role("link", name=display(lines[0].msisdn)).click()
    expect(page.locator(".line-blocks")).to_contain_text("Mobile data")
    page.get_by_role("link", name="Blocks", exact=True).click()
    expect(page.get_by_role("switch", name="Block mobile data", exact=True)).to_be_checked()
    expect(page.get_by_role("switch", name="Block MMS", exact=True)).not_to_be_checked()
    screenshot(page, "line")


@pytest.mark.e2e
@pytest.mark.spec("F-43")
def test_member_switches_off_bundle_alerts(page: Page, log_in, screenshot) -> None:
    own = Line.objects.get(msisdn=MEMBER_NUMBER, status=Line.Status.ACTIVE)
    assert own.bundle_alerts
    log_in(page, "member@acme.example", DEMO_PASSWORD, "+32470000003")

    page.goto("/me/")
    switch = page.get_by_role("switch", name="Bundle alerts by SMS")
    expect(switch).to_be_checked()
    switch.uncheck()
    page.locator("form.bundle-alerts").get_by_role("button", name="Save").click()
    expect(page.get_by_text("You will no longer get SMS about your bundles.")).to_be_visible()
    expect(page.get_by_role("switch", name="Bundle alerts by SMS")).not_to_be_checked()
    own.refresh_from_db()
    assert own.bundle_alerts is False
    screenshot(page, "member")
