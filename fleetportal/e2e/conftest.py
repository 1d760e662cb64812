"""Fixtures of the end-to-end tests: Debian's Chromium driven by Playwright against
pytest-django's live server, with the demo data loaded.

A person's phone and mailbox are the demo outbox page (/dev/outbox/): codes, links and
temporary passwords are read there, in a browser context of their own, as a person trying
the demo would.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from fleetportal.core.models import Customer
from fleetportal.invoicing.models import Invoice
from fleetportal.invoicing.ogm import structured_communication

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests and
# fixtures are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENS = Path(settings.BASE_DIR) / "var" / "screens"
LOGOUT_PATH = "/accounts/logout/"  # the log-out form of every logged-in page (base.html)
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def base_url(live_server, settings) -> str:
    """The live server's address; links in e-mails point to it as they would in production."""
    settings.PORTAL_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def e2e_demo(transactional_db) -> None:
    """The demo companies, with every demo login in English so labels and headings are stable
    while the translation catalogues are being written (the language test switches itself)."""
    from fleetportal.accounts.models import User
    from fleetportal.core.models import Customer
    from fleetportal.demo import data as demo

    demo.load()
    User.objects.update(language="en")
    Customer.objects.update(language="en")


def _new_context(browser: Browser, base_url: str) -> BrowserContext:
    context = browser.new_context(base_url=base_url, locale="en-GB", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser: Browser, base_url: str, e2e_demo: None) -> Iterator[BrowserContext]:
    context = _new_context(browser, base_url)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A fresh tab; the test fails if the browser logged an error (CSP violation, script error,
    missing resource)."""
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} ({page.url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{error} ({page.url})"))
    yield page
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """`screenshot(page, "step")` saves var/screens/<test>-<step>.png (whole page)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^\w-]+", "_", request.node.name).strip("_")

    def take(page: Page, step: str) -> Path:
        path = SCREENS / f"{test}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


class Outbox:
    """The demo outbox page, read in a browser context of its own (the person's phone/mailbox)."""

    def __init__(self, browser: Browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self._page: Page | None = None

    def _open(self) -> Page:
        if self._page is None:
            self._page = _new_context(self.browser, self.base_url).new_page()
        self._page.goto("/dev/outbox/")
        expect(self._page.locator("div.outbox")).to_be_attached()
        return self._page

    def close(self) -> None:
        if self._page is not None:
            self._page.context.close()

    def latest(self, kind: str, recipient: str) -> str:
        """The body of the newest message of `kind` ("sms" or "email") to `recipient`."""
        message = self._open().locator(f'article[data-kind="{kind}"][data-recipient="{recipient}"]').first
        expect(message).to_be_visible()
        return message.locator("pre").inner_text()

    def count(self, kind: str, recipient: str) -> int:
        return self._open().locator(f'article[data-kind="{kind}"][data-recipient="{recipient}"]').count()

    def code(self, recipient: str) -> str:
        """The 6-digit code of the newest SMS (by E.164 number) or e-mail to `recipient`."""
        kind = "sms" if recipient.startswith("+") else "email"
        match = re.search(r"\b(\d{6})\b", self.latest(kind, recipient))
        assert match, f"no code in the newest {kind} to {recipient}"
        return match.group(1)


@pytest.fixture
def outbox(browser: Browser, base_url: str) -> Iterator[Outbox]:
    outbox = Outbox(browser, base_url)
    yield outbox
    outbox.close()


@pytest.fixture
def log_in(outbox: Outbox) -> Callable[..., None]:
    """`log_in(page, email, password, phone)`: password page, then the SMS code from the outbox."""

    def run(page: Page, email: str, password: str, phone: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("E-mail or login name").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(re.compile(r"/login/code/$"))
        page.get_by_label("Code").fill(outbox.code(phone))
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page).not_to_have_url(re.compile(r"/login/code/$"))
        # The landing page of a finished login (its log-out form), whatever its language: a
        # test that changes the login right after must not race the login's last request.
        expect(page.locator(f'form[action="{LOGOUT_PATH}"]').first).to_be_attached()

    return run


@pytest.fixture
def log_in_by_number(outbox: Outbox) -> Callable[[Page, str], None]:
    """`log_in_by_number(page, "+32470000003")`: the phone-number login (F-08), number typed in
    the national format, then the SMS code from the outbox; lands on the member home."""

    def run(page: Page, number: str) -> None:
        page.goto("/login/phone/")
        page.get_by_label("Mobile number").fill(number)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Send me the SMS").click()
        page.get_by_label("Code").fill(outbox.code(number))
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page).to_have_url(re.compile(r"/me/$"))

    return run


@pytest.fixture
def member_private_invoice(e2e_demo: None) -> Invoice:
    """An open private (split-bill) invoice of the demo member's own line, € 12.10 incl. VAT."""
    from fleetportal.fleet.demo import MEMBER_NUMBER
    from fleetportal.fleet.models import Line

    line = Line.objects.select_related("customer", "user").get(msisdn=MEMBER_NUMBER, status=Line.Status.ACTIVE)
    return Invoice.objects.create(
        number="2026/990002",
        year=2026,
        sequence=990002,
        kind=Invoice.Kind.PRIVATE,
        customer=line.customer,
        billing_account=line.customer.billing_accounts.get(),
        line=line,
        member=line.user,
        period=date(2026, 10, 1),
        issued_on=date(2026, 11, 5),
        due_on=date(2026, 12, 5),
        vat_rate=Decimal(21),
        total_excl_vat=Decimal("10.00"),
        vat=Decimal("2.10"),
        total_incl_vat=Decimal("12.10"),
    )


@pytest.fixture
def acme_open_invoice(e2e_demo: None) -> Invoice:
    """An issued, unpaid invoice of Acme's billing account: 91.61 incl. VAT, with its
    structured communication, for the pages that pay or book it."""
    acme = Customer.objects.get(login_domain="acme")
    return Invoice.objects.create(
        number="2026/990001",
        year=2026,
        sequence=990001,
        customer=acme,
        billing_account=acme.billing_accounts.get(),
        period=date(2026, 10, 1),
        issued_on=date(2026, 11, 5),
        due_on=date(2026, 12, 5),
        vat_rate=Decimal(21),
        total_excl_vat=Decimal("75.71"),
        vat=Decimal("15.90"),
        total_incl_vat=Decimal("91.61"),
        structured_communication=structured_communication(2026990001),
    )
