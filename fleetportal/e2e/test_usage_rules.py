"""A usage rule in Chromium (issue 7, go beyond): a fleet manager opens "Usage rules" from the
menu, sets "block roaming at 30 EUR out of bundle" on one of Acme's lines, then rating reaches
it: the rule's page shows what it did and the line carries the rule's block."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fleetportal.alerts.actions import usage_evaluate
from fleetportal.alerts.actions_rules import current_period
from fleetportal.alerts.consumers import ALERTS
from fleetportal.alerts.models import UsageRule
from fleetportal.core.phones import display
from fleetportal.fleet.models import Line, LineBlock, Service
from fleetportal.usage.models import UsageCounter

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-40", "F-42")
def test_a_manager_sets_a_rule_and_sees_it_block_roaming(page: Page, log_in, screenshot) -> None:
    line = Line.objects.filter(customer__name__icontains="Acme", status=Line.Status.ACTIVE).order_by("msisdn").first()
    assert line is not None
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.get_by_role("link", name="Usage rules").first.click()
    expect(page).to_have_url(re.compile(r"/rules/$"))
    page.get_by_role("button", name="New rule").click()
    page.get_by_label("Name").fill("Roaming guard")
    page.get_by_label("One line").check()
    page.get_by_label("Phone number").fill(display(line.msisdn))
    page.get_by_label("When").select_option(label="EUR out of bundle")
    page.get_by_label("Reaches").fill("abc")
    page.get_by_label("Then").select_option(label="Block everything abroad")
    screenshot(page, "form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter the threshold, such as 90 or 25.50.")).to_be_visible()  # nothing saved
    page.get_by_label("Reaches").fill("30")
    page.get_by_label("Lift it at the start of the next month").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The rule Roaming guard is saved.")).to_be_visible()
    rule = UsageRule.objects.get(name="Roaming guard")
    assert (rule.line_id, rule.threshold, rule.lift_next_period) == (line.pk, Decimal(30), True)
    expect(page.get_by_text("The rule has not applied yet.")).to_be_visible()

    # rating writes the line's counter for this month and its consumer evaluates it
    UsageCounter.objects.update_or_create(
        line=line, period=current_period(), defaults={"customer": line.customer, "out_of_bundle_eur": Decimal(31)}
    )
    usage_evaluate(actor=ALERTS, customer=line.customer, period=current_period(), line_ids=[line.pk], pool_ids=[])
    page.reload()
    row = page.locator("tr", has_text=line.msisdn)
    expect(row).to_contain_text("Block everything abroad")
    expect(row).to_contain_text("next month")
    screenshot(page, "firings")
    assert LineBlock.objects.filter(line=line, service=Service.ROAMING_ALL, rule_id=rule.pk).exists()
