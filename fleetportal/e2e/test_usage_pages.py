"""The usage page in Chromium (F-56): a manager opens Usage from the main menu and sees the
charts (inline SVG, no script) and a figure of the tables under them, on a desktop and on a
390 px phone without sideways scrolling and without a serious axe-core violation; a member
sees what is left of their bundles; screenshots under var/screens/ to look at."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fleetportal.e2e.conftest import PHONE
from fleetportal.e2e.test_accessibility import axe_violations, describe
from fleetportal.fleet.models import Line
from fleetportal.usage.models import UsageCounter
from fleetportal.usage.periods import bounds
from fleetportal.usage.reports import current_period
from fleetportal.usage.tests.counters import counter, usage_record

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


def _usage_of_acme() -> Line:
    """This period's counters and a few days of records for some of Acme's lines (whatever the
    demo already holds); the line with the most data, 123,456 MB, is the one returned."""
    period = current_period()
    lines = list(Line.objects.filter(customer__login_domain="acme", status=Line.Status.ACTIVE).order_by("msisdn")[:12])
    UsageCounter.objects.filter(line__in=lines, period=period).delete()
    for n, line in enumerate(lines):
        data = 123456 if n == 0 else 900 * n
        counter(
            line,
            period,
            data_mb=Decimal(data),
            data_bundle_mb=Decimal(min(data, 5120)),
            allowance_data_mb=5120,
            voice_seconds=Decimal(600 * n),
            out_of_bundle_eur=Decimal(n) * Decimal("1.75"),
        )
    start, _end = bounds(period)
    for day in range(3):
        usage_record(lines[day], start + dt.timedelta(days=day, hours=10), quantity=str(200 * (day + 1)))
    return lines[0]


@pytest.mark.e2e
def test_a_manager_sees_the_usage_charts(
    page: Page, log_in: Callable[..., None], screenshot: Callable[[Page, str], Path]
) -> None:
    top = _usage_of_acme()
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")
    page.get_by_role("link", name="Lines over their bundle").click()
    expect(page.get_by_role("heading", name="Usage", exact=False).first).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    assert page.locator("svg.chart").count() == 4  # no calls nor SMS in the records: a sentence instead
    expect(page.get_by_text("No calls in this period.")).to_be_visible()
    expect(page.locator("svg.chart title").first).to_contain_text("Mobile data per day")
    top_table = page.get_by_role("table").filter(has_text="Mobile data (MB)").nth(0)
    expect(page.get_by_role("cell", name="123,456").first).to_be_visible()
    assert top_table.count() == 1
    screenshot(page, "desktop")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.locator(f'table a[href^="/usage/lines/{top.pk}/"]').first.click()
    expect(page.get_by_text("Usage of the number")).to_be_visible()
    expect(page.locator("progress").first).to_be_visible()
    screenshot(page, "line")
    violations = axe_violations(page)
    assert not violations, describe(violations)


@pytest.mark.e2e
def test_the_usage_page_on_a_phone(
    page: Page, log_in: Callable[..., None], screenshot: Callable[[Page, str], Path]
) -> None:
    _usage_of_acme()
    page.set_viewport_size(PHONE)
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")
    page.goto("/usage/")
    expect(page.locator("svg.chart").first).to_be_visible()
    box = page.locator("svg.chart").first.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    expect(page.get_by_role("cell", name="123,456").first).to_be_visible()
    screenshot(page, "phone")
    violations = axe_violations(page)
    assert not violations, describe(violations)


@pytest.mark.e2e
def test_a_member_sees_what_is_left_of_their_bundles(
    page: Page, log_in: Callable[..., None], screenshot: Callable[[Page, str], Path]
) -> None:
    line = Line.objects.filter(user__email="member@acme.example").exclude(status=Line.Status.STOPPED).first()
    assert line is not None, "the demo member has a line"
    period = current_period()
    UsageCounter.objects.filter(line=line, period=period).delete()
    counter(
        line,
        period,
        data_mb=Decimal(3072),
        data_bundle_mb=Decimal(3072),
        allowance_data_mb=4096,
        sms=Decimal(12),
        sms_bundle=Decimal(12),
        allowance_sms=None,
    )
    page.set_viewport_size(PHONE)
    log_in(page, "member@acme.example", DEMO_PASSWORD, "+32470000003")
    expect(page.get_by_role("heading", name="My usage this period")).to_be_visible()
    expect(page.get_by_text("3,072 of 4,096 MB used")).to_be_visible()
    expect(page.get_by_text("1,024 MB left")).to_be_visible()
    expect(page.get_by_text("Unlimited · 12 SMS used")).to_be_visible()
    assert page.locator("progress").first.get_attribute("value") == "75"
    screenshot(page, "member-phone")
    violations = axe_violations(page)
    assert not violations, describe(violations)
