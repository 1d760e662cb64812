"""The SIM overview to a spreadsheet in Chromium (F-31): filter the overview, click "Export to
Excel" and "Export to CSV", and read the downloaded files: the header, exactly the filtered lines
(more than the page shows), and a description that a spreadsheet would run as a formula comes
out neutralised (S11)."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fleetportal.accounts.models import User
from fleetportal.catalog.models import TariffPlan
from fleetportal.fleet import selectors
from fleetportal.fleet.models import Line

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)
FORMULA = '=HYPERLINK("x")'
HEADER = [
    "Phone number",
    "Description",
    "First name",
    "Last name",
    "Tariff plan",
    "Status",
    "Billing account",
    "Options",
    "Tags / cost centres",
    "SIM card number (ICCID)",
    "Network",
    "Activated on",
]


def download(page: Page, link: str) -> tuple[str, bytes]:
    """Click an export link; the file's suggested name and its bytes."""
    with page.expect_download() as caught:
        page.get_by_role("link", name=link).click()
    file = caught.value
    path = file.path()
    assert file.failure() is None
    return file.suggested_filename, path.read_bytes()


@pytest.mark.e2e
@pytest.mark.spec("F-31", "S11")
def test_manager_exports_the_filtered_overview(page: Page, log_in, actor_for) -> None:
    plan = TariffPlan.objects.get(code="mobile-1")
    actor = actor_for(User.objects.get(email="manager@acme.example"))
    expected = list(selectors.lines_for(actor, plan=plan, status=Line.Status.ACTIVE).values_list("msisdn", flat=True))
    assert len(expected) > 50, "more lines than one page of the overview shows"
    trap = Line.objects.get(msisdn=expected[len(expected) // 2])
    Line.objects.filter(pk=trap.pk).update(description=FORMULA)
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.goto("/fleet/lines/")
    page.get_by_label("Tariff plan").select_option(label="Mobile 1")
    page.get_by_label("Status").select_option(label="Active")
    expect(page).to_have_url(re.compile(rf"plan={plan.pk}.*status=active|status=active.*plan={plan.pk}"))
    expect(page.locator(".result-count")).to_have_text(f"{len(expected)} SIM cards")

    name, body = download(page, "Export to Excel")
    assert name == f"fleet-acme-{timezone.localdate():%Y-%m-%d}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header) == HEADER
    # Numbers as typed, in the overview's order, marked as text since "+" starts a formula.
    assert [row[0] for row in rows] == expected
    assert all(cell.quotePrefix for cell in next(sheet.iter_cols(min_row=2, max_col=1)))
    assert all(row[4] == "Mobile 1" and row[5] == "Active" for row in rows)
    [described] = [row for row in rows if row[0] == trap.msisdn]
    assert described[1] == FORMULA
    assert not [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]

    name, body = download(page, "Export to CSV")
    assert name.endswith(".csv")
    assert body.startswith("\ufeff".encode())
    header, *lines = list(
        csv.reader(io.StringIO(body.decode("utf-8").removeprefix("\ufeff"), newline=""), delimiter=";")
    )
    assert header == HEADER
    assert len(lines) == len(expected)
    assert [line[0] for line in lines] == ["'" + msisdn for msisdn in expected]
    [described_csv] = [line for line in lines if line[0] == "'" + trap.msisdn]
    assert described_csv[1] == "'" + FORMULA
