"""Temporary passwords that must be changed (F-05, R-I3) and the reset by SMS code (F-06)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)
HOLDER, HOLDER_PHONE = "holder@acme.example", "+32470000001"
MEMBER, MEMBER_PHONE = "member@acme.example", "+32470000003"
NEW_PASSWORD = "Quiet-Lantern-5820"  # noqa: S105


def fill_login(page: Page, login: str, password: str) -> None:
    page.get_by_label("E-mail or login name").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()


def fill_new_password(page: Page, first: str, second: str) -> None:
    page.get_by_label("New password", exact=True).fill(first)
    page.get_by_label("New password (again)").fill(second)


@pytest.mark.e2e
@pytest.mark.spec("F-05", "S7", "S13")
def test_a_temporary_password_must_be_changed_before_anything_else(page: Page, outbox, log_in, screenshot) -> None:
    log_in(page, HOLDER, DEMO_PASSWORD, HOLDER_PHONE)
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Mia Member").click()
    expect(page.get_by_role("heading", name="Mia Member")).to_be_visible()
    page.get_by_role("button", name="Send a temporary password").click()
    expect(page.get_by_role("status")).to_contain_text("A temporary password was sent by e-mail.")
    screenshot(page, "user-detail")

    mail = outbox.latest("email", MEMBER)
    found = re.search(r"login: (\S+)", mail)
    assert found, f"no temporary password in {mail!r}"
    temporary = found.group(1)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # The demo password no longer works; the temporary one does, and leads to the forced change.
    fill_login(page, MEMBER, DEMO_PASSWORD)
    expect(page.get_by_role("alert")).to_be_visible()
    log_in(page, MEMBER, temporary, MEMBER_PHONE)
    expect(page).to_have_url(re.compile(r"/password/change-required/$"))
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    screenshot(page, "change-required")

    for closed in ("/me/", "/", "/profile/"):
        page.goto(closed)
        expect(page).to_have_url(re.compile(r"/password/change-required/$"))

    fill_new_password(page, NEW_PASSWORD, NEW_PASSWORD + "x")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("The two passwords are not the same.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/password/change-required/$"))

    fill_new_password(page, "password123", "password123")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("This password is too common.")).to_be_visible()
    screenshot(page, "too-common")

    fill_new_password(page, NEW_PASSWORD, NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("status")).to_contain_text("Your password was changed.")
    page.goto("/profile/")
    expect(page).not_to_have_url(re.compile(r"/password/change-required/$"))


@pytest.mark.e2e
@pytest.mark.spec("F-06", "F-07", "S3", "S4")
def test_reset_by_sms_code_replaces_the_password(page: Page, outbox, screenshot) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(re.compile(r"/password/forgot/$"))
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("E-mail or login name").fill(MEMBER)
    page.get_by_label("SMS to the mobile number of the login").check()
    screenshot(page, "forgot")
    page.get_by_role("button", name="Send the code").click()

    expect(page).to_have_url(re.compile(r"/password/forgot/code/$"))
    expect(page.get_by_text("a code was sent to it by SMS")).to_be_visible()
    page.get_by_label("Code").fill(outbox.code(MEMBER_PHONE))
    fill_new_password(page, NEW_PASSWORD, NEW_PASSWORD)
    screenshot(page, "code")
    page.get_by_role("button", name="Change my password").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("status")).to_contain_text("Your password was changed. You can log in now.")

    fill_login(page, MEMBER, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("alert")).to_be_visible()

    # The reset code went to the same number a moment ago; the login code is another purpose,
    # so it is sent at once (S4 limits one code a minute per purpose).
    sent = outbox.count("sms", MEMBER_PHONE)
    fill_login(page, MEMBER, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    assert outbox.count("sms", MEMBER_PHONE) == sent + 1
    screenshot(page, "login-code")
    page.get_by_label("Code").fill(outbox.code(MEMBER_PHONE))
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me/$"))
