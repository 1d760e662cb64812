"""A tariff plan change above the bulk-job threshold in Chromium (F-32, R2): tick three numbers
with the threshold lowered to two, choose the plan, apply; the change is queued for a worker,
the page shows its progress while the worker has not run, then each number's result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fleetportal.catalog.models import TariffPlan
from fleetportal.core.phones import display
from fleetportal.fleet.models import BulkJob, Line

from .test_fleet_import import worker_paused

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-32", "R2")
def test_a_big_plan_change_runs_as_a_job_whose_progress_and_results_the_page_shows(
    page: Page, log_in, screenshot, settings
) -> None:
    settings.BULK_JOB_THRESHOLD = 2
    start, europe = TariffPlan.objects.get(code="mobile-start"), TariffPlan.objects.get(code="mobile-europe")
    lines = list(
        Line.objects.filter(customer__login_domain="acme", status=Line.Status.ACTIVE, plan=start).order_by("msisdn")[:3]
    )
    assert len(lines) == 3
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.goto("/fleet/lines/")
    page.get_by_label("Tariff plan").select_option(label="Mobile Start")
    expect(page.locator("table.lines tbody tr").first).to_contain_text("Mobile Start")
    for line in lines:
        page.get_by_role("checkbox", name=f"Select {display(line.msisdn)}").check()
    expect(page.get_by_text("3 SIM cards selected")).to_be_visible()
    page.get_by_role("button", name="Change tariff plan").click()

    expect(page.get_by_role("heading", name="Manage your tariff plans")).to_be_visible()
    page.get_by_label("Mobile Europe").check()
    expect(page.get_by_text("3 numbers change plan.")).to_be_visible()
    expect(page.get_by_text("With 3 numbers, the change runs in the background")).to_be_visible()

    with worker_paused() as worker:
        page.get_by_role("button", name="Apply changes").click()
        expect(page).to_have_url(re.compile(r"/fleet/jobs/\d+/$"))
        progress = page.locator("#bulk-job-progress")
        expect(progress).to_contain_text("Waiting for a worker… 0 of 3 numbers")
        with page.expect_response(re.compile(r"/fleet/jobs/\d+/progress/$")) as polled:
            pass
        assert "0 of 3 numbers" in polled.value.text()
        assert {line.plan_id for line in Line.objects.filter(pk__in=[line.pk for line in lines])} == {start.pk}
        screenshot(page, "progress")
        assert BulkJob.objects.get().status == BulkJob.Status.QUEUED
        worker()  # the job, then the network and outbox work its change queued
    expect(page.get_by_text("The change was applied to 3 numbers.")).to_be_visible()
    rows = page.locator("table.bulk-results tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text=display(lines[0].msisdn))).to_contain_text("applied")
    expect(page.get_by_role("button", name="Download the results (.xlsx)")).to_be_visible()
    screenshot(page, "results")
    assert BulkJob.objects.get().status == BulkJob.Status.DONE
    assert {line.plan_id for line in Line.objects.filter(pk__in=[line.pk for line in lines])} == {europe.pk}
