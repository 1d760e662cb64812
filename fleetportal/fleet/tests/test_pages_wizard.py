"""The add-SIM wizard pages (F-21): six steps checked on the server one by one, the summary,
then `line_add`; bad input stays on its step with the field's message and adds nothing (R3)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fleetportal.billing.models import BillingAccount
from fleetportal.catalog.models import ContractOption, ContractPlan, Option, TariffPlan
from fleetportal.core.models import Contract, Customer
from fleetportal.fleet.models import Line, PoolNumber, SimCard
from fleetportal.fleet.tests.factories import LineFactory, PoolNumberFactory, SimCardFactory
from fleetportal.fleet.tests.pages import sim_of

from .pages import messages_of

pytestmark = pytest.mark.spec("F-21")

URL = "/fleet/lines/add/"


@pytest.fixture
def pool(db: None) -> list[PoolNumber]:
    return [PoolNumberFactory.create(msisdn=f"+3249900001{n}") for n in range(3)]


@pytest.fixture
def wizard(manager_client: Client) -> Callable[..., Any]:
    """`wizard(data, nav="next")` posts one step; `wizard.start()` opens a fresh wizard."""

    def post(data: dict[str, Any] | None = None, nav: str = "next", **extra: Any) -> Any:
        return manager_client.post(URL, {**(data or {}), "nav": nav}, **extra)

    post.start = lambda: manager_client.get(URL)  # type: ignore[attr-defined]
    return post


def contract_plan(catalogue: Contract, plan: TariffPlan) -> int:
    return ContractPlan.objects.get(contract=catalogue, plan=plan).pk


def contract_option(catalogue: Contract, option: Option) -> int:
    return ContractOption.objects.get(contract=catalogue, option=option).pk


def heading(response: Any) -> str:
    step = response.context["step"]
    return str(step.title) if step else "summary"


def through_step_three(wizard: Callable[..., Any], iccid: str) -> None:
    wizard.start()  # type: ignore[attr-defined]
    assert heading(wizard({"iccid": iccid})) == "Is this a split bill?"
    assert heading(wizard({"split_bill": "no"})) == "Create a new user profile"
    profile = {"first_name": "Eva", "last_name": "Peeters", "language": "nl", "email": "eva@acme.example"}
    assert heading(wizard(profile)) == "Choose a tariff plan"


def test_six_steps_add_a_pending_line_and_open_its_page(
    wizard, manager_client: Client, blank_sim, pool, plans, options, catalogue: Contract, account: BillingAccount
) -> None:
    sim = blank_sim()
    through_step_three(wizard, f"{sim.iccid[:4]} {sim.iccid[4:10]} {sim.iccid[10:]}")
    step = wizard(
        {
            "plan": contract_plan(catalogue, plans["mobile-start"]),
            "options": [contract_option(catalogue, options["data-eu-5gb"])],
        }
    )
    assert heading(step) == "Billing account"
    assert heading(wizard({"billing_account": account.pk})) == "Which phone number do you want to use?"
    summary = wizard({"choice": "new", "new_number": pool[1].msisdn})
    assert heading(summary) == "summary"
    page = summary.content.decode()
    assert sim.iccid in page and "Eva Peeters" in page and "Mobile Start, Data EU 5 GB" in page
    assert "+32 499 00 00 11" in page
    assert not Line.objects.exists()

    done = wizard(nav="add")
    line = Line.objects.get()
    assert done.status_code == 302 and done.url == f"/fleet/lines/{line.pk}/"
    assert (line.status, line.msisdn, line.sim, line.plan) == (
        Line.Status.PENDING,
        pool[1].msisdn,
        sim,
        plans["mobile-start"],
    )
    assert list(line.options.all()) == [options["data-eu-5gb"]]
    assert (line.first_name, line.email, line.language) == ("Eva", "eva@acme.example", "nl")
    manage = manager_client.get(done.url)
    assert "The SIM card was added. Activate it now or on a later date." in messages_of(manage)
    assert f"/fleet/lines/activate/?line={line.pk}" in manage.content.decode()
    # The wizard starts afresh: its state left the session.
    assert "fleet_add_wizard" not in manager_client.session


@pytest.mark.spec("R3")
@pytest.mark.parametrize(
    ("iccid", "message"),
    [
        ("1234", "Enter a valid SIM card number: 19 or 20 digits, the last one a check digit."),
        ("8932990000000000011", "Enter a valid SIM card number: 19 or 20 digits, the last one a check digit."),
        ("", "This field is required."),
    ],
)
def test_a_bad_iccid_stays_on_the_first_step(wizard, iccid: str, message: str) -> None:
    wizard.start()
    response = wizard({"iccid": iccid})
    assert heading(response) == "Add a SIM card"
    assert response.context["form"].errors["iccid"] == [message]
    assert message in response.content.decode()


@pytest.mark.spec("R3", "S1")
def test_a_card_in_use_or_not_in_stock_is_refused_at_once(
    wizard, make_line: Callable[..., Line], other_customer: Customer
) -> None:
    in_use = sim_of(make_line())
    foreign = SimCardFactory.create(customer=other_customer)
    wizard.start()
    assert wizard({"iccid": in_use.iccid}).context["form"].errors["iccid"] == ["This SIM card is already in use."]
    for sim in (foreign, sim_of(LineFactory.create(customer=other_customer))):
        assert wizard({"iccid": sim.iccid}).context["form"].errors["iccid"] == ["This SIM card is not in your stock."]


@pytest.mark.spec("R-F2", "R3")
def test_an_option_not_applicable_to_the_plan_is_marked_and_refused(
    wizard, blank_sim, plans, options, catalogue: Contract
) -> None:
    through_step_three(wizard, blank_sim().iccid)
    limitless = contract_plan(catalogue, plans["mobile-limitless"])
    national = contract_option(catalogue, options["data-national-10gb"])
    # Choosing the plan shows which options do not go with it (htmx "refresh" of the step).
    refreshed = wizard({"plan": limitless}, nav="refresh").content.decode()
    assert re.search(rf'<input type="checkbox" name="options" value="{national}"[^>]* disabled', refreshed)
    asia = contract_option(catalogue, options["data-asia-tech-3gb"])
    assert not re.search(rf'<input type="checkbox" name="options" value="{asia}"[^>]* disabled', refreshed)
    assert "not applicable" in refreshed
    refused = wizard({"plan": limitless, "options": [national]})
    assert heading(refused) == "Choose a tariff plan"
    # The action's rule and message (require_options_apply), as line_add and the API say it.
    assert refused.context["form"].errors["options"] == [
        "The option Data National 10 GB does not apply to the plan Mobile Limitless."
    ]
    assert not Line.objects.exists()


def test_back_and_the_sidebar_keep_what_was_entered(wizard, blank_sim) -> None:
    sim = blank_sim()
    through_step_three(wizard, sim.iccid)
    back = wizard(nav="back")
    assert heading(back) == "Create a new user profile"
    assert 'value="Peeters"' in back.content.decode()
    first = wizard({"goto": "0"})
    assert heading(first) == "Add a SIM card"
    assert f'value="{sim.iccid}"' in first.content.decode()
    sidebar = first.context["sidebar"]
    assert [item["done"] for item in sidebar] == [False] * 6  # the current step and later ones
    # A step not reached yet cannot be jumped to.
    assert heading(wizard({"iccid": sim.iccid, "goto": "5"})) == "Add a SIM card"


def test_split_bill_needs_a_profile(wizard, blank_sim) -> None:
    wizard.start()
    wizard({"iccid": blank_sim().iccid})
    response = wizard({"split_bill": "yes"})
    assert response.context["form"].errors["profile"] == ["Choose the split-bill profile of this line."]


@pytest.mark.spec("R3")
def test_port_in_needs_the_donor_and_keeps_the_number(
    wizard, blank_sim, plans, catalogue: Contract, account: BillingAccount
) -> None:
    through_step_three(wizard, blank_sim().iccid)
    wizard({"plan": contract_plan(catalogue, plans["mobile-start"])})
    wizard({"billing_account": account.pk})
    missing = wizard({"choice": "existing", "msisdn": "0470 99 88 77"})
    assert missing.context["form"].errors == {
        "donor_operator": ["Choose the current operator of this number."],
        "donor_account": ["Enter the customer number or the SIM card number at the current operator."],
    }
    bad = wizard({"choice": "existing", "msisdn": "12", "donor_operator": "Proximus", "donor_sim": "1"})
    assert "msisdn" in bad.context["form"].errors
    port_in = {"choice": "existing", "msisdn": "0470 99 88 77", "donor_operator": "Proximus", "donor_account": "A-1"}
    summary = wizard(port_in)
    assert "Existing number +32 470 99 88 77 from Proximus" in summary.content.decode()
    wizard(nav="add")
    line = Line.objects.get()
    assert (line.msisdn, line.donor_operator, line.donor_account) == ("+32470998877", "Proximus", "A-1")


@pytest.mark.spec("R2")
def test_a_card_taken_meanwhile_sends_back_to_its_step(
    wizard, blank_sim, pool, plans, catalogue: Contract, account: BillingAccount, make_line: Callable[..., Line]
) -> None:
    sim = blank_sim()
    through_step_three(wizard, sim.iccid)
    wizard({"plan": contract_plan(catalogue, plans["mobile-start"])})
    wizard({"billing_account": account.pk})
    wizard({"choice": "new"})
    SimCard.objects.filter(pk=sim.pk).update(status=SimCard.Status.IN_USE)  # another wizard took it
    make_line(sim=sim, status=Line.Status.PENDING)
    response = wizard(nav="add")
    assert heading(response) == "Add a SIM card"
    assert response.context["form"].errors["iccid"] == ["This SIM card is already in use."]
    assert Line.objects.count() == 1


def test_an_empty_pool_is_told_on_the_number_step(
    wizard, blank_sim, plans, catalogue: Contract, account: BillingAccount
) -> None:
    through_step_three(wizard, blank_sim().iccid)
    wizard({"plan": contract_plan(catalogue, plans["mobile-start"])})
    wizard({"billing_account": account.pk})
    wizard({"choice": "new"})
    response = wizard(nav="add")
    assert heading(response) == "Which phone number do you want to use?"
    assert response.context["form"].errors["new_number"] == [
        "The number pool has no free number left: contact the operator."
    ]
    assert not Line.objects.exists() and SimCard.objects.get().status == SimCard.Status.BLANK


def test_with_htmx_the_step_swaps_and_the_end_redirects_the_page(
    wizard, blank_sim, pool, plans, catalogue: Contract, account: BillingAccount
) -> None:
    wizard.start()
    htmx = {"HTTP_HX_REQUEST": "true"}
    step = wizard({"iccid": blank_sim().iccid}, **htmx)
    assert step.status_code == 200 and 'id="wizard"' in step.content.decode()
    wizard({"split_bill": "no"}, **htmx)
    wizard({"first_name": "Eva", "last_name": "Peeters", "language": "en"}, **htmx)
    wizard({"plan": contract_plan(catalogue, plans["mobile-start"])}, **htmx)
    wizard({"billing_account": account.pk}, **htmx)
    wizard({"choice": "new"}, **htmx)
    done = wizard(nav="add", **htmx)
    assert done["HX-Redirect"] == f"/fleet/lines/{Line.objects.get().pk}/"


@pytest.mark.spec("S2")
def test_only_fleet_managers_add_sim_cards(member_client: Client, billing_client: Client) -> None:
    for client in (member_client, billing_client):
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"iccid": "x"}).status_code == 403
