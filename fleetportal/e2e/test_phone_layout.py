"""The phone layout (issue 11; QUALITY "every page usable on a phone"), at 390×844 in Chromium:
the main menu folds into one control, the SIM overview's filters fold into "Filters", tables
become rows that can be read, and no page scrolls sideways. Screenshots of each page are saved
under var/screenshots/ (git-ignored) to be looked at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from fleetportal.fleet.models import Line

from .conftest import PHONE

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)
MANAGER, MANAGER_PHONE = "manager@acme.example", "+32470000002"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _manage_sim_path() -> str:
    line = Line.objects.filter(customer__name__startswith="Acme", status=Line.Status.ACTIVE).order_by("pk").first()
    assert line is not None
    return f"/fleet/lines/{line.pk}/"


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"phone-{name}.png", full_page=True)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at {PHONE['width']}px"


@pytest.mark.e2e
def test_the_main_pages_fit_a_phone(page: Page, log_in) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, MANAGER, DEMO_PASSWORD, MANAGER_PHONE)
    pages = {
        "dashboard": "/dashboard/",
        "sim-overview": "/fleet/lines/",
        "manage-sim": _manage_sim_path(),
        "wizard": "/fleet/lines/add/",
        "user-list": "/users/",
    }
    for name, path in pages.items():
        page.goto(path)
        expect(page.locator("main h1").first).to_be_visible()
        _no_sideways_scroll(page)
        _shoot(page, name)


@pytest.mark.e2e
def test_the_main_menu_is_folded_on_a_phone(page: Page, log_in) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, MANAGER, DEMO_PASSWORD, MANAGER_PHONE)
    page.goto("/fleet/lines/")
    menu = page.locator("header.portal details.main-menu")
    toggle = menu.locator("summary")
    expect(toggle).to_be_visible()
    sims = page.get_by_role("navigation", name="Main menu").get_by_role("link", name="SIM cards", exact=True)
    expect(sims).to_be_hidden()
    # The page's heading and its search are on the first screen, not pushed down by the menu.
    heading = page.get_by_role("heading", name="SIM overview", level=1).bounding_box()
    assert heading is not None and heading["y"] < 250, heading
    search = page.get_by_role("searchbox").bounding_box()
    assert search is not None and search["y"] + search["height"] < PHONE["height"], search

    toggle.click()
    expect(sims).to_be_visible()
    _no_sideways_scroll(page)
    _shoot(page, "menu-open")
    sims.click()
    expect(page).to_have_url(re.compile(r"/fleet/lines/$"))


@pytest.mark.e2e
def test_the_overview_filters_fold_into_one_control_on_a_phone(page: Page, log_in) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, MANAGER, DEMO_PASSWORD, MANAGER_PHONE)
    page.goto("/fleet/lines/")
    filters = page.locator("details.filters-fold")
    expect(filters.locator("summary")).to_contain_text("Filters")
    status = page.locator("#line-filters select").first
    expect(status).to_be_hidden()
    filters.locator("summary").click()
    for select in page.locator("#line-filters select").all():
        expect(select).to_be_visible()
        box = select.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    _no_sideways_scroll(page)
    _shoot(page, "filters-open")

    # Rows read as small cards: each cell with its column's name.
    first_row = page.locator("table.lines tbody tr").first
    expect(first_row).to_be_visible()
    number = first_row.locator("td[data-label]").first
    label = number.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label not in ("none", "normal", '""'), label


@pytest.mark.e2e
def test_the_desktop_keeps_the_menu_and_filters_open(page: Page, log_in) -> None:
    log_in(page, MANAGER, DEMO_PASSWORD, MANAGER_PHONE)
    page.goto("/fleet/lines/")
    nav = page.get_by_role("navigation", name="Main menu")
    expect(nav.get_by_role("link", name="SIM cards", exact=True)).to_be_visible()
    expect(page.locator("header.portal details.main-menu summary")).to_be_hidden()
    expect(page.locator("#line-filters select").first).to_be_visible()


WORD_SPLIT_JS = """
(element) => {
  // the words of the element's text that the browser laid out over more than one line
  const split = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
      if (lines.size > 1) split.push(match[0]);
    }
  }
  return split;
}
"""


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["nl", "fr", "de", "hu"])
def test_tile_titles_are_not_broken_mid_word(page: Page, log_in, language: str) -> None:
    from fleetportal.accounts.models import User

    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, MANAGER, DEMO_PASSWORD, MANAGER_PHONE)
    User.objects.filter(email=MANAGER).update(language=language)
    page.goto("/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    titles = page.locator(".tiles h3")
    assert titles.count() >= 3
    for title in titles.all():
        assert title.evaluate(WORD_SPLIT_JS) == [], title.inner_text()
    _shoot(page, f"dashboard-1366-{language}")
