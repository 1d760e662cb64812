"""The member's own line in Chromium (F-74): a member logs in, opens their line from the member
home, clicks "Show PIN and PUK" and sees the PUK appear in place (htmx), which the audit trail
records, naming them and the line; then opens a help page from the line."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fleetportal.core.models import AuditEvent
from fleetportal.core.phones import display
from fleetportal.fleet.actions.codes import CODES_REVEALED
from fleetportal.fleet.demo import MEMBER_NUMBER
from fleetportal.fleet.models import Line

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


@pytest.mark.e2e
@pytest.mark.spec("F-74")
def test_member_opens_their_line_and_reveals_the_puk(page: Page, log_in, screenshot) -> None:
    own = Line.objects.select_related("sim").get(msisdn=MEMBER_NUMBER, status=Line.Status.ACTIVE)
    assert own.sim is not None
    log_in(page, "member@acme.example", DEMO_PASSWORD, "+32470000003")

    page.goto("/me/")
    page.get_by_role("link", name=display(MEMBER_NUMBER)).click()
    expect(page).to_have_url(re.compile(rf"/me/lines/{own.pk}/$"))
    expect(page.get_by_role("heading", name="My line")).to_be_visible()
    expect(page.get_by_text(own.sim.iccid)).to_be_visible()
    expect(page.get_by_text(own.sim.puk, exact=True)).to_have_count(0)
    screenshot(page, "hidden")

    url = page.url
    page.get_by_role("button", name="Show PIN and PUK").click()
    expect(page.locator('code[data-code="puk"]')).to_have_text(own.sim.puk)
    expect(page.locator('code[data-code="pin"]')).to_have_text(own.sim.pin)
    assert page.url == url  # swapped in place, no new page
    screenshot(page, "shown")
    event = AuditEvent.objects.get(action=CODES_REVEALED)
    assert event.actor_label == "member@acme.example" and event.object_id == str(own.pk)

    expect(page.get_by_role("button", name="Show PIN and PUK")).to_have_count(0)
    page.get_by_role("link", name="Help", exact=True).last.click()
    page.get_by_role("link", name="PIN and PUK codes").click()
    expect(page.get_by_role("heading", name="PIN and PUK codes", level=1)).to_be_visible()
