"""Login with a phone number and an SMS code reaches only that number's own pages (F-08)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

MEMBER_PHONE = "+32470000003"


@pytest.mark.e2e
@pytest.mark.spec("F-08", "S2", "S3")
def test_phone_number_login_reaches_only_the_own_pages(page: Page, outbox, screenshot) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Log in with your phone number").click()
    expect(page).to_have_url(re.compile(r"/login/phone/$"))
    page.get_by_label("Mobile number").fill("0470 00 00 03")
    screenshot(page, "number")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("We will send a one-time code to")).to_contain_text("+32 470 00 00 03")
    assert outbox.count("sms", MEMBER_PHONE) == 0, "no SMS before the person asks for it"
    page.get_by_role("button", name="Send me the SMS").click()

    expect(page.get_by_label("Code")).to_be_visible()
    code = outbox.code(MEMBER_PHONE)
    page.get_by_label("Code").fill(code)
    screenshot(page, "code")
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", name="My line")).to_be_visible()
    expect(page.get_by_text("You are logged in with the number")).to_be_visible()
    # The header offers no company pages and no profile to a number login.
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    screenshot(page, "me")

    for closed in ("/dashboard/", "/users/", "/users/invite/", "/profile/"):
        page.goto(closed)
        expect(page).to_have_url(re.compile(r"/me/$"))
        expect(page.get_by_role("heading", name="My line")).to_be_visible()
