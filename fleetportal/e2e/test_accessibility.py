"""Accessibility (QUALITY "labels and contrast for screen readers"; issue 11): axe-core, vendored
for the tests only (fleetportal/e2e/vendor/), over the main pages in two languages, on a desktop
and a phone screen. A serious or critical violation fails the test, named with its elements."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from fleetportal.accounts.models import User
from fleetportal.fleet.models import Line

from .conftest import DESKTOP, PHONE

AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)
MANAGER, MANAGER_PHONE = "manager@acme.example", "+32470000002"
FAILING = {"serious", "critical"}
# WCAG 2.2 A and AA and axe's best practices.
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now. The script is evaluated
    through the DevTools protocol, which the page's CSP (script-src 'self') does not block."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        RULES,
    )
    return [v for v in result["violations"] if v["impact"] in FAILING]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary'].splitlines()[-1].strip()}")
            lines.append(f"      {node['html'][:160]}")
    return "\n".join(lines)


def _manage_sim_path() -> str:
    line = Line.objects.filter(customer__name__startswith="Acme", status=Line.Status.ACTIVE).order_by("pk").first()
    assert line is not None
    return f"/fleet/lines/{line.pk}/"


def _check(page: Page, where: str, found: dict[str, list[dict[str, Any]]]) -> None:
    expect(page.locator("main")).to_be_visible()
    violations = axe_violations(page)
    if violations:
        found[where] = violations


def _report(found: dict[str, list[dict[str, Any]]]) -> str:
    return "axe found serious or critical violations:\n" + "\n".join(
        f"{where}:\n{describe(violations)}" for where, violations in found.items()
    )


@pytest.mark.e2e
def test_the_axe_check_itself_finds_a_violation(page: Page) -> None:
    """The check runs and reports: a button without a name fails it."""
    page.goto("/accounts/login/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<button></button>')")
    assert "button-name" in json.dumps([v["id"] for v in axe_violations(page)])


@pytest.mark.e2e
def test_login_pages_pass_axe_in_two_languages(page: Page, base_url: str) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    for language in ("en", "nl"):
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            page.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
            for path in ("/accounts/login/", "/password/forgot/", "/login/phone/"):
                page.goto(path)
                expect(page.locator("html")).to_have_attribute("lang", language)
                _check(page, f"{path} [{language}, {size}]", found)
    assert not found, _report(found)


@pytest.mark.e2e
def test_the_main_pages_pass_axe_in_two_languages(page: Page, log_in) -> None:
    log_in(page, MANAGER, DEMO_PASSWORD, MANAGER_PHONE)
    paths = ["/dashboard/", "/fleet/lines/", _manage_sim_path(), "/fleet/lines/add/", "/users/"]
    found: dict[str, list[dict[str, Any]]] = {}
    for language in ("en", "nl"):
        User.objects.filter(email=MANAGER).update(language=language)
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            for path in paths:
                page.goto(path)
                expect(page.locator("html"), f"{path} ({page.url})").to_have_attribute("lang", language)
                _check(page, f"{path} [{language}, {size}]", found)
            # the folded menu and filters, opened
            page.goto("/fleet/lines/")
            # folded on the phone; the menu last, as its open panel covers the filters
            for folded in ("details.filters-fold", "details.main-menu"):
                summary = page.locator(f"{folded} > summary")
                if summary.is_visible():
                    summary.click()
            _check(page, f"/fleet/lines/ opened [{language}, {size}]", found)
    assert not found, _report(found)


@pytest.mark.e2e
def test_the_code_page_passes_axe_while_it_counts_down(page: Page, browser, base_url: str) -> None:
    from .conftest import _new_context

    other = _new_context(browser, base_url).new_page()
    for p in (other, page):
        p.goto("/accounts/login/")
        p.get_by_label("E-mail or login name").fill(MANAGER)
        p.get_by_label("Password").fill(DEMO_PASSWORD)
        p.get_by_role("button", name="Continue").click()
        expect(p).to_have_url(re.compile(r"/login/code/$"))
    other.context.close()
    expect(page.get_by_role("timer")).to_be_visible()
    found: dict[str, list[dict[str, Any]]] = {}
    _check(page, "/login/code/ (waiting)", found)
    assert not found, _report(found)
