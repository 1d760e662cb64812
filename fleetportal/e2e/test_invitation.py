"""A manager invites a new member, who completes the login from the e-mail and logs in (F-03)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)
MANAGER, MANAGER_PHONE = "manager@acme.example", "+32470000002"
NEW, NEW_PHONE = "new@acme.example", "+32470998877"
NEW_PASSWORD = "Blue-Harbour-7431"  # noqa: S105
INVITE_LINK = re.compile(r"https?://\S+/invite/[\w-]+/")


@pytest.mark.e2e
@pytest.mark.spec("F-01", "F-02", "F-03", "F-07", "F-12", "S8")
def test_invited_member_completes_the_login_and_logs_in(
    page: Page, browser: Browser, base_url: str, outbox, log_in, screenshot
) -> None:
    log_in(page, MANAGER, DEMO_PASSWORD, MANAGER_PHONE)
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Manage user profiles")).to_be_visible()
    page.get_by_role("button", name="Invite a new user").click()  # a link styled as a button
    expect(page).to_have_url(re.compile(r"/users/invite/$"))

    page.get_by_label("E-mail address").fill(NEW)
    page.get_by_label("Description").fill("Sales Ghent")
    page.get_by_label("Role").select_option(label="Member")
    page.get_by_label("Language").select_option(label="English")
    screenshot(page, "invite")
    page.get_by_role("button", name="Send invitation").click()

    expect(page).to_have_url(re.compile(r"/users/$"))
    expect(page.get_by_role("status")).to_contain_text(f"The invitation was sent to {NEW}.")
    row = page.get_by_role("row").filter(has_text=NEW)
    expect(row).to_contain_text("INVITED")
    expect(row).to_contain_text("Member")
    screenshot(page, "users-invited")

    # The invitee, in a browser of their own, opens the link from the e-mail.
    mail = outbox.latest("email", NEW)
    link = INVITE_LINK.search(mail)
    assert link, f"no invitation link in {mail!r}"
    assert link.group(0).startswith(base_url)
    invitee_context = browser.new_context(base_url=base_url, locale="en-GB", viewport={"width": 390, "height": 844})
    try:
        invitee = invitee_context.new_page()
        invitee.goto(link.group(0))
        expect(invitee.get_by_role("heading", name="Complete your login")).to_be_visible()
        expect(invitee.get_by_text(f"Your login is {NEW}.")).to_be_visible()
        invitee.get_by_label("First name").fill("Nina")
        invitee.get_by_label("Last name").fill("Nieuw")
        invitee.get_by_label("Mobile number").fill("0470 99 88 77")
        invitee.get_by_label("Language").select_option(label="English")
        invitee.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        invitee.get_by_label("New password (again)").fill(NEW_PASSWORD)
        screenshot(invitee, "complete-phone")
        invitee.get_by_role("button", name="Complete my login").click()

        expect(invitee).to_have_url(re.compile(r"/accounts/login/$"))
        expect(invitee.get_by_role("status")).to_contain_text("Your login is ready.")
        log_in(invitee, NEW, NEW_PASSWORD, NEW_PHONE)
        expect(invitee).to_have_url(re.compile(r"/me/$"))
        expect(invitee.get_by_role("heading", name="My line")).to_be_visible()
        invitee.locator("details.main-menu > summary").click()  # the phone's folded menu
        expect(invitee.get_by_role("link", name="Nina Nieuw")).to_be_visible()
        screenshot(invitee, "me-phone")

        # The link worked once.
        invitee.goto(link.group(0))
        expect(invitee.get_by_role("heading", name="Complete your login")).not_to_be_visible()
        expect(invitee.get_by_label("New password", exact=True)).not_to_be_visible()
    finally:
        invitee_context.close()

    page.reload()
    row = page.get_by_role("row").filter(has_text=NEW)
    expect(row).to_contain_text("VALIDATED")
    expect(row).to_contain_text("Nina Nieuw")
    expect(row).to_contain_text("+32 470 99 88 77")
    screenshot(page, "users-validated")
