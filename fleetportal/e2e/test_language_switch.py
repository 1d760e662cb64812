"""The header's language switch after the login (F-80, issue 11): it changes the page at once
and is saved in the profile, which still wins over the browser's language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fleetportal.accounts.models import User

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)
MANAGER, MANAGER_PHONE = "manager@acme.example", "+32470000002"

# A word of the header and the heading of each page, in the language of each button.
LOG_OUT = {"fr": "Se déconnecter", "de": "Abmelden", "hu": "Kilépés", "nl": "Afmelden"}
HEADINGS = {
    "/dashboard/": {
        "fr": "Tableau de bord du gestionnaire de flotte",
        "de": "Dashboard Flottenverwaltung",
        "hu": "Adminisztrátori irányítópult",
    },
    "/fleet/lines/": {"fr": "Vue d'ensemble des cartes SIM", "de": "SIM-Übersicht", "hu": "SIM-kártyák áttekintése"},
}


@pytest.mark.e2e
@pytest.mark.spec("F-80")
def test_each_language_button_switches_the_page_and_the_profile(page: Page, log_in, screenshot) -> None:
    log_in(page, MANAGER, DEMO_PASSWORD, MANAGER_PHONE)
    User.objects.filter(email=MANAGER).update(language="nl")  # the demo's Dutch manager
    page.goto("/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("button", name=LOG_OUT["nl"])).to_be_visible()

    for path, headings in HEADINGS.items():
        page.goto(path)
        for language, heading in headings.items():
            page.get_by_role("button", name=language.upper(), exact=True).click()
            expect(page).to_have_url(re.compile(re.escape(path) + "$"))
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            expect(page.get_by_role("button", name=LOG_OUT[language])).to_be_visible()
            expect(page.get_by_role("button", name=language.upper(), exact=True)).to_have_attribute(
                "aria-current", "true"
            )
            assert User.objects.get(email=MANAGER).language == language
        screenshot(page, path.strip("/").replace("/", "-"))

    # The saved choice wins over the browser (en-GB) and over a language cookie.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.url}])
    page.goto("/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "hu")
