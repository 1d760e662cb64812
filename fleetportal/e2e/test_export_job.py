"""A big export in Chromium (F-31, F-32): with the export threshold lowered below the filter's
lines, "Export to Excel" queues a job for a worker; its page shows the rows written while the
worker has not run, then the download link; the file holds exactly the filtered lines."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fleetportal.accounts.models import User
from fleetportal.catalog.models import TariffPlan
from fleetportal.fleet import selectors
from fleetportal.fleet.models import BulkJob, Line

from .test_fleet_import import worker_paused

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-31", "F-32")
def test_a_big_export_runs_as_a_job_whose_page_shows_progress_then_the_file(
    page: Page, log_in, screenshot, settings, actor_for, tmp_path: Path
) -> None:
    settings.EXPORT_JOB_THRESHOLD = 10
    settings.MEDIA_ROOT = tmp_path / "media"
    plan = TariffPlan.objects.get(code="mobile-1")
    actor = actor_for(User.objects.get(email="manager@acme.example"))
    expected = list(selectors.lines_for(actor, plan=plan, status=Line.Status.ACTIVE).values_list("msisdn", flat=True))
    total = len(expected)
    assert total > 10, "more lines than the lowered threshold"
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.goto("/fleet/lines/")
    page.get_by_label("Tariff plan").select_option(label="Mobile 1")
    page.get_by_label("Status").select_option(label="Active")
    expect(page.locator(".result-count")).to_have_text(f"{total} SIM cards")
    screenshot(page, "overview")

    with worker_paused() as worker:
        page.get_by_role("button", name="Export to Excel").click()
        expect(page).to_have_url(re.compile(r"/fleet/jobs/\d+/$"))
        expect(page.get_by_role("heading", name=re.compile("Export"))).to_be_visible()
        progress = page.locator("#bulk-job-progress")
        expect(progress).to_contain_text(f"Waiting for a worker… 0 of {total} rows written")
        with page.expect_response(re.compile(r"/fleet/jobs/\d+/progress/$")) as polled:
            pass
        assert f"0 of {total} rows written" in polled.value.text()
        screenshot(page, "progress")
        job = BulkJob.objects.get()
        assert job.kind == BulkJob.Kind.EXPORT and job.status == BulkJob.Status.QUEUED and not job.file
        worker()  # the worker writes the file; the next poll reloads the page
    expect(page.get_by_text(f"The file with {total} SIM cards is ready.")).to_be_visible()
    screenshot(page, "done")

    with page.expect_download() as caught:
        page.get_by_role("button", name="Download the file").click()
    download = caught.value
    assert download.failure() is None
    assert download.suggested_filename == f"fleet-acme-{timezone.localdate():%Y-%m-%d}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[0] == "Phone number"
    assert [row[0] for row in rows] == expected
    assert all(row[4] == "Mobile 1" and row[5] == "Active" for row in rows)
