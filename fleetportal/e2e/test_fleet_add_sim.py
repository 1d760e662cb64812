"""The add-SIM wizard in Chromium (F-21): from the dashboard tile through the six steps, a bad
ICCID refused on its step, the options that do not go with the plan disabled, then the manage
page and the activation on a later date with its flash message (F-22)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fleetportal.fleet.models import Line, ScheduledChange, SimCard

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (the demo password shown on the login page)


def continue_to(page: Page, heading: str) -> None:
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


@pytest.mark.e2e
@pytest.mark.spec("F-20", "F-21", "F-22", "F-27")
def test_manager_adds_a_sim_and_activates_it_on_a_date(page: Page, log_in, screenshot) -> None:
    sim = SimCard.objects.filter(status=SimCard.Status.BLANK, kind=SimCard.Kind.PHYSICAL).order_by("iccid").first()
    assert sim is not None, "the demo has blank SIM cards in stock"
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")

    page.get_by_role("link", name="Manage SIM cards").click()
    expect(page.get_by_role("heading", name="SIM overview")).to_be_visible()
    expect(page.locator("table.lines tbody tr")).to_have_count(50)
    screenshot(page, "overview")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "overview-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Add a SIM card").click()
    page.get_by_label("SIM card number (ICCID)").fill("8932 0000 0000 0000 001")
    page.get_by_role("button", name="Continue").click()
    expect(
        page.get_by_text("Enter a valid SIM card number: 19 or 20 digits, the last one a check digit.")
    ).to_be_visible()
    screenshot(page, "step1-error")
    page.get_by_label("SIM card number (ICCID)").fill(f"{sim.iccid[:4]} {sim.iccid[4:]}")
    continue_to(page, "Is this a split bill?")
    continue_to(page, "Create a new user profile")
    page.get_by_label("Description").fill("Sales Antwerp")
    page.get_by_label("Civility").select_option("ms")
    page.get_by_label("First name of the user").fill("Eva")
    page.get_by_label("Last name of the user").fill("Peeters")
    page.get_by_label("E-mail address").fill("eva.peeters@acme.example")
    page.get_by_label("Language").select_option("en")
    screenshot(page, "step3")
    continue_to(page, "Choose a tariff plan")

    page.get_by_label("Mobile Limitless").check()
    national = page.get_by_label("Data National 10 GB")
    expect(national).to_be_disabled()
    page.get_by_label(re.compile(r"^\s*Mobile Start\s+€")).check()
    expect(national).to_be_enabled()
    national.check()
    screenshot(page, "step4")
    continue_to(page, "Billing account")
    expect(page.get_by_label(re.compile("100457319"))).to_be_checked()
    continue_to(page, "Which phone number do you want to use?")
    expect(page.get_by_label("Existing phone number")).to_be_hidden()
    page.get_by_role("radio", name="Existing number").check()
    expect(page.get_by_label("Existing phone number")).to_be_visible()
    page.get_by_role("radio", name="New number").check()
    screenshot(page, "step6")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check and add the SIM card")).to_be_visible()
    expect(page.locator("table.summary")).to_contain_text("Mobile Start, Data National 10 GB")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "summary-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Add the SIM card").click()
    expect(page).to_have_url(re.compile(r"/fleet/lines/\d+/$"))
    expect(page.get_by_text("The SIM card was added. Activate it now or on a later date.")).to_be_visible()
    line = Line.objects.get(sim=sim)
    assert line.status == Line.Status.PENDING and line.first_name == "Eva"
    screenshot(page, "manage")

    on = timezone.localdate() + timedelta(days=3)
    page.get_by_role("button", name="Activate SIM").click()
    expect(page.get_by_text("1 SIM card selected")).to_be_visible()
    page.get_by_label("Activation date").fill(on.isoformat())
    page.get_by_role("button", name="Activate SIM").click()
    expect(page.get_by_text(f"The SIM will be activated on {on:%d/%m/%Y}", exact=True)).to_be_visible()
    assert ScheduledChange.objects.get(line=line).due_date == on

    page.get_by_role("link", name="More").click()
    expect(page.get_by_role("row").filter(has_text=f"{on:%d/%m/%Y}")).to_contain_text("Activate")
    screenshot(page, "manage-more")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "manage-more-phone")


@pytest.mark.e2e
@pytest.mark.spec("F-21")
def test_the_wizard_survives_a_reload_back_and_forward_and_resumes_a_draft(page: Page, log_in, screenshot) -> None:
    """Issue 11: each step has its own address; a reload, the browser's back and forward buttons
    and a later visit find what was entered. Step 1 finds the blank SIM by a few of its digits."""
    sim = (
        SimCard.objects.filter(status=SimCard.Status.BLANK, kind=SimCard.Kind.PHYSICAL, customer__login_domain="acme")
        .order_by("iccid")
        .first()
    )  # Acme's own stock: the manager's search never shows another customer's cards
    assert sim is not None, "the demo has blank SIM cards in Acme's stock"
    log_in(page, "manager@acme.example", DEMO_PASSWORD, "+32470000002")
    page.goto("/fleet/lines/")
    page.get_by_role("button", name="Add a SIM card").click()
    expect(page).to_have_url(re.compile(r"/fleet/lines/add/[\w-]+/sim/$"))
    page.wait_for_load_state("load")  # htmx binds the search to the field once the page has loaded

    # A few digits of the card find it in the stock; choosing it is step 1.
    page.get_by_label("SIM card number (ICCID)").fill(sim.iccid[-7:])
    found = page.locator("#sim-results").get_by_role("button", name=re.compile(sim.iccid[-3:]))
    expect(found).to_have_count(1)
    screenshot(page, "step1-search")
    found.click()
    expect(page.get_by_role("heading", name="Is this a split bill?")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/fleet/lines/add/[\w-]+/split/$"))
    continue_to(page, "Create a new user profile")

    # Typed, not submitted yet: a reload keeps it (saved as one types).
    page.get_by_label("First name of the user").fill("Eva")
    page.get_by_label("Last name of the user").fill("Peeters")
    with page.expect_response(lambda r: r.request.method == "POST" and "Peeters" in (r.request.post_data or "")):
        page.get_by_label("Last name of the user").blur()  # the draft is saved as one types
    page.reload()
    expect(page.get_by_role("heading", name="Create a new user profile")).to_be_visible()
    expect(page.get_by_label("First name of the user")).to_have_value("Eva")
    expect(page.get_by_label("Last name of the user")).to_have_value("Peeters")
    continue_to(page, "Choose a tariff plan")
    page.get_by_label(re.compile(r"^\s*Mobile Start\s+€")).check()
    continue_to(page, "Billing account")
    profile_url = re.compile(r"/fleet/lines/add/[\w-]+/profile/$")

    # Back twice, forward once: each step as it was left.
    page.go_back()
    expect(page.get_by_role("heading", name="Choose a tariff plan")).to_be_visible()
    expect(page.get_by_label(re.compile(r"^\s*Mobile Start\s+€"))).to_be_checked()
    page.go_back()
    expect(page).to_have_url(profile_url)
    expect(page.get_by_role("heading", name="Create a new user profile")).to_be_visible()
    expect(page.get_by_label("First name of the user")).to_have_value("Eva")
    page.go_forward()
    expect(page.get_by_role("heading", name="Choose a tariff plan")).to_be_visible()
    page.reload()
    expect(page.get_by_label(re.compile(r"^\s*Mobile Start\s+€"))).to_be_checked()
    expect(page.locator(".wizard-steps li.done")).to_have_count(3)
    screenshot(page, "step4-after-reload")

    # Later, a new wizard offers the unfinished one; it resumes where it stopped.
    page.goto("/fleet/lines/")
    page.get_by_role("button", name="Add a SIM card").click()
    drafts = page.get_by_role("region", name="Unfinished SIM cards")
    expect(drafts).to_contain_text("Eva Peeters")
    screenshot(page, "drafts")
    drafts.get_by_role("link", name=re.compile(sim.iccid)).click()
    expect(page.get_by_role("heading", name="Billing account")).to_be_visible()
    continue_to(page, "Which phone number do you want to use?")
    page.get_by_role("radio", name="New number").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check and add the SIM card")).to_be_visible()
    page.get_by_role("button", name="Add the SIM card").click()
    expect(page).to_have_url(re.compile(r"/fleet/lines/\d+/$"))
    assert Line.objects.get(sim=sim).first_name == "Eva"
