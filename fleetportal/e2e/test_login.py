"""Logging in with password and SMS code, the lockout, and the language switch, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)
MANAGER, MANAGER_PHONE = "manager@acme.example", "+32470000002"
MEMBER, MEMBER_PHONE = "member@acme.example", "+32470000003"


def fill_login(page: Page, login: str, password: str) -> None:
    page.get_by_label("E-mail or login name").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()


@pytest.mark.e2e
@pytest.mark.spec("F-07", "S3", "S9")
def test_password_and_sms_code_lead_to_the_manager_dashboard(page: Page, outbox, screenshot) -> None:
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    # One way to reset a password: the portal's reset by code (F-06).
    expect(page.get_by_role("link", name="Forgot your password?")).to_have_attribute("href", "/password/forgot/")
    screenshot(page, "login")

    fill_login(page, MANAGER, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    expect(page.get_by_role("heading", name="Enter the code from the SMS")).to_be_visible()
    screenshot(page, "code")

    # Anything else is closed until the code is given.
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/login/code/$"))

    code = outbox.code(MANAGER_PHONE)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", name="Dashboard fleet manager")).to_be_visible()
    expect(page.get_by_role("link", name="Manage user profiles")).to_be_visible()
    screenshot(page, "dashboard")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "dashboard-phone")


@pytest.mark.e2e
@pytest.mark.spec("F-07", "S3")
def test_a_wrong_sms_code_shows_the_error_and_stays_on_the_code_page(page: Page, outbox, screenshot) -> None:
    page.goto("/accounts/login/")
    fill_login(page, MANAGER, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    right = outbox.code(MANAGER_PHONE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    expect(page.get_by_text("This code is wrong or no longer valid.")).to_be_visible()
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "wrong-code")

    # Still owing the code: the dashboard stays closed; the right code still works.
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    page.get_by_label("Code").fill(right)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="Dashboard fleet manager")).to_be_visible()


@pytest.mark.e2e
@pytest.mark.spec("S5", "S13")
def test_a_locked_account_answers_like_a_wrong_password(page: Page, outbox, screenshot) -> None:
    page.goto("/accounts/login/")
    fill_login(page, MEMBER, "not-the-password-0")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    wrong_password_answer = error.inner_text()
    screenshot(page, "wrong-password")

    for attempt in range(1, 5):
        fill_login(page, MEMBER, f"not-the-password-{attempt}")
        expect(page.get_by_role("alert")).to_have_text(wrong_password_answer)

    # Five failures: now even the right password gets the wrong-password answer.
    fill_login(page, MEMBER, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("alert")).to_have_text(wrong_password_answer)
    expect(page.get_by_label("E-mail or login name")).to_be_visible()
    screenshot(page, "locked")
    assert outbox.count("sms", MEMBER_PHONE) == 0, "a locked login must not get an SMS code"


@pytest.mark.e2e
@pytest.mark.spec("F-80")
def test_the_fr_button_switches_the_login_page_to_french(page: Page, base_url: str, screenshot) -> None:
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="FR", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="FR", exact=True)).to_have_attribute("aria-current", "true")
    cookies = {c["name"]: c for c in page.context.cookies(base_url)}
    assert cookies["django_language"]["value"] == "fr"
    assert cookies["django_language"]["httpOnly"] is True
    screenshot(page, "fr")

    # The choice sticks on the next page and can be switched back.
    page.goto("/password/forgot/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="EN", exact=True).click()
    expect(page).to_have_url(re.compile(r"/password/forgot/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
