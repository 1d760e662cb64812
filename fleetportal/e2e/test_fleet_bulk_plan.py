"""A tariff plan change for three selected lines in Chromium (F-28): filter the overview,
tick three numbers, choose the plan, read the review table (number, previous plan, new plan,
options that go) and apply; the options that do not go with the plan are dropped (R-F2)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.core.phones import display
from fleetportal.fleet.models import Line, LineOption

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-20", "F-28", "R-F2")
def test_manager_changes_the_plan_of_three_selected_lines(page: Page, log_in, screenshot) -> None:
    start = TariffPlan.objects.get(code="mobile-start")
    lines = list(
        Line.objects.filter(customer__login_domain="acme", status=Line.Status.ACTIVE, plan=start).order_by("msisdn")[:3]
    )
    assert len(lines) == 3
    # The first has an option that does not go with Mobile Europe: the review says it goes.
    voice = Option.objects.get(code="voice-national-100")
    LineOption.objects.get_or_create(line=lines[0], option=voice)
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.goto("/fleet/lines/")
    page.get_by_label("Tariff plan").select_option(label="Mobile Start")
    page.get_by_label("Status").select_option(label="Active")
    # Both filters are in the address bar once the table shows them (htmx pushes the URL).
    expect(page).to_have_url(re.compile(rf"plan={start.pk}.*status=active|status=active.*plan={start.pk}"))
    expect(page.locator("table.lines tbody tr").first).to_contain_text("Mobile Start")
    for line in lines:
        page.get_by_role("checkbox", name=f"Select {display(line.msisdn)}").check()
    expect(page.get_by_text("3 SIM cards selected")).to_be_visible()
    screenshot(page, "selected")
    page.get_by_role("button", name="Change tariff plan").click()

    expect(page.get_by_role("heading", name="Manage your tariff plans")).to_be_visible()
    page.get_by_label("Mobile Europe").check()
    table = page.locator("table.review")
    expect(table.locator("tbody tr")).to_have_count(3)
    first = table.locator("tbody tr").filter(has_text=display(lines[0].msisdn))
    expect(first).to_contain_text("Mobile Start")
    expect(first).to_contain_text("Mobile Europe")
    expect(first).to_contain_text("Voice National 100 min")
    expect(page.get_by_text("3 numbers change plan.")).to_be_visible()
    screenshot(page, "review")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "review-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Apply changes").click()
    expect(page.get_by_text("The tariff plan of 3 numbers was changed to Mobile Europe.")).to_be_visible()
    europe = TariffPlan.objects.get(code="mobile-europe")
    for line in lines:
        line.refresh_from_db()
        assert line.plan == europe
    assert not LineOption.objects.filter(line=lines[0], option=voice).exists()
