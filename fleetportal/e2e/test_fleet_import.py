"""Lines from a CSV file in Chromium (F-32): download the template, upload a file with two good
rows and one bad one, read the dry run (the bad row's error names its column, nothing created),
upload the corrected file, apply, and follow the progress until the new lines are there (R3)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from huey.contrib.djhuey import HUEY
from playwright.sync_api import Page, Route, expect

from fleetportal.core.phones import display
from fleetportal.fleet.imports import COLUMNS
from fleetportal.fleet.models import ImportJob, Line, SimCard

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


def csv_file(header: list[str], rows: list[dict[str, str]]) -> bytes:
    """The rows under the template's header, as Excel saves "CSV UTF-8" in Belgium."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=";", restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def upload(page: Page, name: str, data: bytes) -> None:
    page.get_by_label("CSV file").set_input_files({"name": name, "mimeType": "text/csv", "buffer": data})
    page.get_by_role("button", name="Check the file").click()
    expect(page).to_have_url(re.compile(r"/fleet/import/\d+/$"))


@contextmanager
def worker_paused() -> Iterator[Callable[[], int]]:
    """Jobs queue up instead of running when their transaction commits; the function given is
    the worker: it runs what is queued and says how many jobs it ran."""

    def run() -> int:
        ran = 0
        while (task := HUEY.dequeue()) is not None:
            HUEY.execute(task)
            ran += 1
        return ran

    HUEY.immediate = False
    try:
        yield run
    finally:
        HUEY.immediate = True


@pytest.mark.e2e
@pytest.mark.spec("F-32", "R3")
def test_manager_imports_sim_cards_from_a_csv_file(page: Page, log_in, screenshot) -> None:
    sims = list(
        SimCard.objects.filter(customer__login_domain="acme", status=SimCard.Status.BLANK).order_by("iccid")[:3]
    )
    assert len(sims) == 3, "the demo has blank SIM cards in stock"
    lines_before = Line.objects.count()
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.goto("/fleet/lines/")
    page.get_by_role("button", name="Import from a CSV file").click()
    expect(page.get_by_role("heading", name="Import SIM cards from a CSV file")).to_be_visible()
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download the template").click()
    assert caught.value.suggested_filename == "fleet-import-template.csv"
    template = caught.value.path().read_bytes().decode("utf-8")
    assert template.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(template[1:]), delimiter=";"))
    assert header == COLUMNS

    good = [
        {
            "iccid": f"{sims[0].iccid[:4]} {sims[0].iccid[4:]}",
            "description": "Import Antwerp",
            "civility": "ms",
            "first_name": "Lotte",
            "last_name": "Peeters",
            "email": "lotte.peeters@acme.example",
            "language": "nl",
            "plan": "mobile-start",
            "options": "data-eu-5gb",
            "tags": "Sales",
        },
        {
            "iccid": sims[1].iccid,
            "description": "Import Ghent",
            "first_name": "Jens",
            "last_name": "Maes",
            "plan": "Mobile Europe",
        },
    ]
    # Data National 10 GB does not apply to Mobile Limitless (R-F2).
    bad = {"iccid": sims[2].iccid, "first_name": "Wout", "plan": "mobile-limitless", "options": "data-national-10gb"}
    upload(page, "employees.csv", csv_file(header, [good[0], bad, good[1]]))

    expect(page.get_by_role("alert")).to_contain_text("1 row has an error")
    expect(page.get_by_role("button", name=re.compile("^Apply"))).to_have_count(0)
    rows = page.locator("table.import-preview tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td").last).to_have_text("ok")
    expect(rows.nth(2).locator("td").last).to_have_text("ok")
    error = rows.nth(1)
    expect(error).to_have_class(re.compile(r"\brow-error\b"))
    expect(error.locator("td").first).to_have_text("3")  # the file's line (the header is line 1)
    expect(error.locator(".errorlist li")).to_have_text(
        "options: The option Data National 10 GB does not apply to the plan Mobile Limitless."
    )
    screenshot(page, "preview")
    assert Line.objects.count() == lines_before
    assert SimCard.objects.filter(pk__in=[sim.pk for sim in sims], status=SimCard.Status.BLANK).count() == 3

    page.get_by_role("button", name="Upload a corrected file").click()
    upload(page, "employees-corrected.csv", csv_file(header, good))
    expect(page.get_by_text("The check found no error in 2 rows. Nothing has changed yet.")).to_be_visible()
    expect(page.locator("table.import-preview .errorlist")).to_have_count(0)
    expect(page.locator("table.import-preview tbody tr")).to_have_count(2)
    assert Line.objects.count() == lines_before

    # The progress polls while the worker has not run. Playwright passes each poll on only while
    # the test talks to the browser, so none reaches the server while the worker runs here.
    polls: list[str] = []

    def poll(route: Route) -> None:
        polls.append(route.request.url)
        route.continue_()

    page.route(re.compile(r"/fleet/import/\d+/progress/$"), poll)
    with worker_paused() as worker:
        page.get_by_role("button", name="Apply: add 2 SIM cards").click()
        expect(page.get_by_role("status")).to_contain_text("Importing… 0 of 2 rows")
        with page.expect_response(re.compile(r"/progress/$")) as polled:
            pass
        assert "Importing…" in polled.value.text()
        assert Line.objects.count() == lines_before
        screenshot(page, "progress")
        assert worker() == 1
    expect(page.get_by_text("2 SIM cards were added. They are pending until you activate them.")).to_be_visible()
    assert len(polls) >= 2, "the page found the outcome by polling"
    assert ImportJob.objects.get(file_name="employees-corrected.csv").status == ImportJob.Status.DONE
    assert Line.objects.count() == lines_before + 2
    assert SimCard.objects.get(pk=sims[2].pk).status == SimCard.Status.BLANK

    page.get_by_role("button", name="See the pending SIM cards").click()
    expect(page.get_by_role("heading", name="SIM overview")).to_be_visible()
    for sim, row in zip(sims[:2], good, strict=True):
        line = Line.objects.get(sim=sim)
        assert line.status == Line.Status.PENDING and line.first_name == row["first_name"]
        listed = page.locator("table.lines tbody tr").filter(has_text=display(line.msisdn))
        expect(listed).to_contain_text(row["description"])
        expect(listed).to_contain_text("PENDING")
    lotte = Line.objects.get(sim=sims[0])
    assert [o.code for o in lotte.options.all()] == ["data-eu-5gb"]
    assert [t.name for t in lotte.tags.all()] == ["Sales"]
