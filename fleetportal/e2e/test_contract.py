"""The contract page (F-72) in Chromium: from the dashboard tile to the matrix, the group
bundles tab and the MSA download; no CSP or script error on the way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-72", "F-73")
def test_manager_reads_the_matrix_the_bundles_and_downloads_the_msa(
    page: Page, log_in, screenshot, tmp_path: Path
) -> None:
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")
    page.get_by_role("link", name="Contract / MSA").click()
    expect(page).to_have_url(re.compile(r"/contract/$"))
    expect(page.get_by_role("heading", name="Tariff plans and options retained")).to_be_visible()

    matrix = page.locator("table.matrix")
    europe = matrix.locator("thead tr").nth(1).locator("th").filter(has_text="Mobile Europe")
    expect(europe).to_contain_text("€ 45.00")
    voice = matrix.locator("tbody tr").filter(has_text="Voice National 100 min")
    column = [t.split("\n")[0] for t in matrix.locator("thead tr").nth(1).locator("th").all_inner_texts()].index(
        "Mobile Europe"
    )
    expect(voice.locator("th, td").nth(column)).to_have_text("Not applicable")
    screenshot(page, "matrix")

    page.get_by_role("navigation", name="Contract").get_by_role("link", name="Group bundles").click()
    expect(page.get_by_role("cell", name="Group Data 200 GB")).to_be_visible()
    expect(page.locator("table.matrix")).to_have_count(0)
    screenshot(page, "bundles")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the MSA").click()
    download = download_info.value
    assert download.suggested_filename == "MSA-C-100200.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    page.get_by_role("link", name="Tariff plans").click()
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "matrix-phone")
