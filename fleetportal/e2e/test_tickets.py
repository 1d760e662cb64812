"""A helpdesk ticket in Chromium (F-70): a manager opens one with two attachments, picking a
phone number through the search box; staff find it in the queue, open it and reply; the
manager reads the reply on the ticket."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from fleetportal.fleet.models import Line
from fleetportal.support.models import Ticket

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def log_in_staff(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail or login name").fill("staff@operator.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.mark.e2e
@pytest.mark.spec("F-70")
def test_a_ticket_with_two_attachments_is_answered_by_staff(page: Page, browser, base_url, log_in, screenshot) -> None:
    line = Line.objects.filter(customer__login_domain="acme", status=Line.Status.ACTIVE).order_by("msisdn").first()
    assert line is not None, "the demo has active lines"
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.goto("/support/new/")
    page.get_by_label("Subject").select_option("sim_options")
    page.get_by_label("More details").select_option("stop_pause")
    page.get_by_label("Phone number").fill("0" + line.msisdn[3:])  # as typed in Belgium
    page.get_by_role("button", name=f"Add {line.msisdn}").click()
    expect(page.locator("#picked-numbers input[name=numbers]")).to_have_count(1)
    page.get_by_label("Your message").fill("Please pause this SIM: the phone was stolen.")
    page.get_by_label("Attachments").set_input_files(
        [
            FilePayload(name="police-report.pdf", mimeType="application/pdf", buffer=PDF),
            FilePayload(name="photo.png", mimeType="image/png", buffer=PNG),
        ]
    )
    screenshot(page, "form")
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(re.compile(r"/support/\d+/$"))
    ticket = Ticket.objects.order_by("-id").first()
    assert ticket is not None
    expect(page.get_by_role("link", name="police-report.pdf")).to_be_visible()
    expect(page.get_by_role("link", name="photo.png")).to_be_visible()

    staff_context = browser.new_context(base_url=base_url, locale="en-GB")
    agent = staff_context.new_page()
    log_in_staff(agent)
    agent.goto("/support/staff/")
    agent.get_by_role("link", name=f"#{ticket.pk}", exact=True).click()
    expect(agent.get_by_role("heading", name=re.compile(f"Ticket #{ticket.pk}"))).to_be_visible()
    expect(agent.get_by_role("button", name="Pause (suspend)")).to_be_visible()
    agent.get_by_label("Your reply").fill("We paused the SIM card. Please send the police report number too.")
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.get_by_text("Your reply is sent.")).to_be_visible()
    staff_context.close()

    page.reload()
    expect(page.get_by_text("We paused the SIM card.")).to_be_visible()
    expect(page.get_by_text("In progress").first).to_be_visible()
    screenshot(page, "reply")
