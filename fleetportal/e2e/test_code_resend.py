"""A second login within a minute (issue 11; F-07, S3, S4), in Chromium: no second SMS, the page
says so, counts down without reloading (htmx), then offers a new code that works."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from fleetportal.accounts.models import OneTimeCode

from .conftest import _new_context

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)
MANAGER, MANAGER_PHONE = "manager@acme.example", "+32470000002"


def _to_code_page(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail or login name").fill(MANAGER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/login/code/$"))


def _let_a_minute_pass(page: Page, seconds: int = 61) -> None:
    """Move the codes and this browser's countdown `seconds` into the past."""
    OneTimeCode.objects.update(
        created_at=timezone.now() - timedelta(seconds=seconds),
        expires_at=timezone.now() + timedelta(minutes=5) - timedelta(seconds=seconds),
    )
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    state = session["fp_code_state:login_sms"]
    state["at"] -= seconds
    session["fp_code_state:login_sms"] = state
    session.save()


@pytest.mark.e2e
@pytest.mark.spec("F-07", "S3", "S4")
def test_a_second_login_within_a_minute_counts_down_then_resends(
    page: Page, browser: Browser, base_url: str, outbox, screenshot
) -> None:
    first = _new_context(browser, base_url).new_page()
    _to_code_page(first)
    first_code = outbox.code(MANAGER_PHONE)

    _to_code_page(page)
    assert outbox.count("sms", MANAGER_PHONE) == 1  # the one-a-minute limit stays
    expect(page.get_by_text("A code was asked for less than a minute ago in another window or browser")).to_be_visible()
    expect(page.get_by_text("That code does not work on this page.")).to_be_visible()
    timer = page.get_by_role("timer")
    expect(timer).to_contain_text(re.compile(r"You can ask for a new code at \d\d:\d\d:\d\d, in \d+ seconds"))
    resend = page.get_by_role("button", name="Send me a new code")
    expect(resend).to_be_disabled()
    screenshot(page, "waiting")

    # The countdown counts, with no reload of the page (a marker set in the page survives).
    page.evaluate("window.stillThisPage = true")
    seconds = int(re.findall(r"in (\d+) seconds", timer.inner_text())[0])
    expect(timer).not_to_contain_text(f"in {seconds} seconds", timeout=4000)

    # The first browser's code does not work here.
    page.get_by_label("Code").fill(first_code)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_text("This code is wrong or no longer valid.")).to_be_visible()
    page.evaluate("window.stillThisPage = true")

    _let_a_minute_pass(page)
    expect(resend).to_be_enabled(timeout=5000)
    expect(page.get_by_role("status")).to_have_text("You can ask for a new code now.")
    assert page.evaluate("window.stillThisPage") is True
    screenshot(page, "ready")

    resend.click()
    expect(page.get_by_text("A new code was sent.")).to_be_visible()
    expect(page.get_by_text("Only the newest code sent to this page counts.")).to_be_visible()
    assert outbox.count("sms", MANAGER_PHONE) == 2
    page.get_by_label("Code").fill(outbox.code(MANAGER_PHONE))
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    # The first browser's code still works where it was asked for.
    first.get_by_label("Code").fill(first_code)
    first.get_by_role("button", name="Log in", exact=True).click()
    expect(first).to_have_url(re.compile(r"/dashboard/$"))
    first.context.close()
