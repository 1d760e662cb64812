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
    """`wizard(data, nav="next")` posts one step, to the address of the step shown last (each
    step has its own); `wizard.start()` opens a fresh wizard."""
    shown = {"url": URL}

    def follow(response: Any) -> Any:
        if response.status_code == 200 and response.context and "step_url" in response.context:
            shown["url"] = response.context["step_url"]
        return response

    def post(data: dict[str, Any] | None = None, nav: str = "next", **extra: Any) -> Any:
        return follow(manager_client.post(shown["url"], {**(data or {}), "nav": nav}, **extra))

    post.start = lambda: follow(manager_client.get(URL, follow=True))  # type: ignore[attr-defined]
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


# --- each step at its own address, drafts in the session (issue 11) ---------------------------------


STEP_URL = re.compile(r"^/fleet/lines/add/(?P<draft>[\w-]+)/(?P<step>\w+)/$")


def start(client: Client) -> str:
    """A new draft: the address of its first step."""
    response = client.get(URL)
    assert response.status_code == 302
    match = STEP_URL.match(response["Location"])
    assert match and match["step"] == "sim", response["Location"]
    return response["Location"]


def step(url: str, name: str) -> str:
    match = STEP_URL.match(url)
    assert match
    return f"/fleet/lines/add/{match['draft']}/{name}/"


def test_every_step_has_an_address_that_a_reload_and_the_back_button_find_again(
    manager_client: Client, blank_sim
) -> None:
    sim = blank_sim()
    first = start(manager_client)
    assert heading(manager_client.get(first)) == "Add a SIM card"
    manager_client.post(first, {"iccid": sim.iccid, "nav": "next"})
    manager_client.post(step(first, "split"), {"split_bill": "no", "nav": "next"})
    # A reload of step 3 (GET of its address) and the back button (GET of step 1's) keep the input.
    assert heading(manager_client.get(step(first, "profile"))) == "Create a new user profile"
    again = manager_client.get(first)
    assert heading(again) == "Add a SIM card" and f'value="{sim.iccid}"' in again.content.decode()
    assert not again.context["form"].errors
    # A later step's address, the steps before it not done: the first one still open.
    assert manager_client.get(step(first, "plan"))["Location"] == step(first, "profile")
    assert manager_client.get(step(first, "summary"))["Location"] == step(first, "profile")
    assert manager_client.get(step(first, "nowhere"))["Location"] == URL


def test_what_is_typed_is_kept_as_one_types_valid_or_not(manager_client: Client, blank_sim) -> None:
    first = start(manager_client)
    manager_client.post(first, {"iccid": blank_sim().iccid, "nav": "next"})
    manager_client.post(step(first, "split"), {"split_bill": "no", "nav": "next"})
    profile = step(first, "profile")
    saved = manager_client.post(profile, {"first_name": "Eva", "nav": "save"})
    assert saved.status_code == 204
    reloaded = manager_client.get(profile)
    assert 'value="Eva"' in reloaded.content.decode()
    assert not reloaded.context["form"].errors  # no "required" before it is submitted
    # Back keeps an unfinished step too; going on again asks for what is missing.
    back = manager_client.post(profile, {"first_name": "Eva", "last_name": "", "nav": "back"})
    assert heading(back) == "Is this a split bill?" and back.context["step_url"] == step(first, "split")
    refused = manager_client.post(profile, {"first_name": "Eva", "nav": "next"})
    assert heading(refused) == "Create a new user profile" and "last_name" in refused.context["form"].errors


def test_with_htmx_each_step_pushes_its_address_to_the_history(manager_client: Client, blank_sim) -> None:
    first = start(manager_client)
    htmx = {"HX-Request": "true"}
    moved = manager_client.post(first, {"iccid": blank_sim().iccid, "nav": "next"}, headers=htmx)
    assert moved["HX-Push-Url"] == step(first, "split")
    stays = manager_client.post(step(first, "split"), {"split_bill": "yes", "nav": "next"}, headers=htmx)
    assert "HX-Push-Url" not in stays and stays.context["form"].errors
    # The browser's back button: htmx asks the server for the page (no copy in the history cache).
    restored = manager_client.get(first, headers={**htmx, "HX-History-Restore-Request": "true"})
    assert restored.status_code == 200 and 'hx-history="false"' in restored.content.decode()
    assert "<html" in restored.content.decode()


def test_drafts_are_kept_apart_offered_again_and_can_be_discarded(
    manager_client: Client, blank_sim, holder, login
) -> None:
    sims = [blank_sim(), blank_sim()]
    first = start(manager_client)
    manager_client.post(first, {"iccid": sims[0].iccid, "nav": "next"})
    manager_client.post(step(first, "split"), {"split_bill": "no", "nav": "next"})
    profile = {"first_name": "Eva", "last_name": "Peeters", "language": "nl", "nav": "next"}
    assert heading(manager_client.post(step(first, "profile"), profile)) == "Choose a tariff plan"
    second = start(manager_client)
    page = manager_client.get(second)
    assert [(d["iccid"], d["person"]) for d in page.context["drafts"]] == [(sims[0].iccid, "Eva Peeters")]
    assert 'href="' + step(first, "summary") + '"' in page.content.decode()
    manager_client.post(second, {"iccid": sims[1].iccid, "nav": "next"})
    # The first draft resumes where it stopped, untouched by the second.
    resumed = manager_client.get(step(first, "summary"))
    assert resumed["Location"] == step(first, "plan")
    assert f'value="{sims[0].iccid}"' in manager_client.get(first).content.decode()
    # Drafts are the manager's own: another login's session does not know them.
    other = Client()
    login(other, holder)
    assert other.get(first)["Location"] == URL
    discarded = manager_client.post(first, {"nav": "discard"})
    assert discarded["Location"] == URL
    assert manager_client.get(first)["Location"] == URL
    assert list(manager_client.session["fleet_add_wizard"]) == [STEP_URL.match(second)["draft"]]  # type: ignore[index]


def test_a_few_drafts_are_kept_the_empty_ones_going_first(manager_client: Client, blank_sim) -> None:
    from fleetportal.fleet.views.wizard import DRAFTS_KEPT

    filled = []
    for _n in range(DRAFTS_KEPT - 1):
        filled.append(start(manager_client))
        manager_client.post(filled[-1], {"iccid": "89", "nav": "save"})
    empty = start(manager_client)  # opened, nothing entered yet (another tab, say)
    assert heading(manager_client.get(empty)) == "Add a SIM card"
    for _n in range(3):
        start(manager_client)
    drafts = manager_client.session["fleet_add_wizard"]
    assert len(drafts) == DRAFTS_KEPT
    assert {STEP_URL.match(url)["draft"] for url in filled} <= set(drafts)  # type: ignore[index]
    # More drafts with something entered than are kept: the oldest goes.
    for _n in range(2):
        newer = start(manager_client)
        manager_client.post(newer, {"iccid": "8932", "nav": "save"})
    drafts = manager_client.session["fleet_add_wizard"]
    assert STEP_URL.match(filled[0])["draft"] not in drafts  # type: ignore[index]
    assert STEP_URL.match(newer)["draft"] in drafts  # type: ignore[index]


# --- picking a blank SIM card on step 1 (issue 11) -------------------------------------------------


SEARCH = "/fleet/lines/add/sims/"


def found(response: Any) -> list[str]:
    return [sim["iccid"] for sim in response.context["sims"].get("results", [])]


@pytest.mark.spec("S1")
def test_a_few_digits_find_the_blank_cards_one_may_take(
    manager_client: Client, blank_sim, make_line: Callable[..., Line], other_customer: Customer
) -> None:
    own = blank_sim(iccid="8932990000001234561")
    operator = blank_sim(customer=None, iccid="8932990000009912300")
    esim = blank_sim(iccid="8932990000005551230", kind=SimCard.Kind.ESIM)
    SimCardFactory.create(customer=other_customer, iccid="8932990000001234579")  # another customer's
    make_line(sim=SimCardFactory.create(customer=own.customer, iccid="8932990000001234587", status="in_use"))
    assert found(manager_client.get(SEARCH, {"iccid": "1234"})) == [own.iccid]
    results = manager_client.get(SEARCH, {"iccid": "123"})
    assert found(results) == [own.iccid, esim.iccid, operator.iccid]
    html = results.content.decode()
    assert f'name="pick" value="{own.iccid}"' in html and "8932 9900 0000 1234 561" in html
    assert "eSIM" in html and "operator's stock" in html
    assert found(manager_client.get(SEARCH, {"iccid": "8932 99-00"})) == [own.iccid, esim.iccid, operator.iccid]
    hint = manager_client.get(SEARCH, {"iccid": "12"})
    assert not hint.context["sims"]["searched"] and "3 blank SIM cards in your stock" in hint.content.decode()
    none = manager_client.get(SEARCH, {"iccid": "55555"})
    assert found(none) == [] and "No blank SIM card in your stock holds the digits 55555." in none.content.decode()


def test_more_matches_than_shown_say_so(manager_client: Client, blank_sim) -> None:
    from fleetportal.fleet.views.wizard import SEARCH_RESULTS

    for _n in range(SEARCH_RESULTS + 1):
        blank_sim()
    response = manager_client.get(SEARCH, {"iccid": "893299"})
    assert len(found(response)) == SEARCH_RESULTS and response.context["sims"]["more"]
    assert "More SIM cards match: type more digits." in response.content.decode()


def test_picking_a_card_or_typing_it_is_step_one(wizard, blank_sim) -> None:
    sim = blank_sim()
    wizard.start()
    # Without JavaScript "Search" shows the cards on the step itself, no error yet.
    searched = wizard({"iccid": sim.iccid[-6:]}, nav="search")
    assert heading(searched) == "Add a SIM card" and not searched.context["form"].errors
    assert found(searched) == [sim.iccid]
    picked = wizard({"iccid": sim.iccid[-6:], "pick": sim.iccid})
    assert heading(picked) == "Is this a split bill?"
    assert picked.context["sidebar"][0]["summary"] == sim.iccid
    # A picked card is checked like a typed one: not in stock (any more) is refused.
    wizard({"goto": "0"})
    refused = wizard({"iccid": "", "pick": "8932990000000000011"})
    assert refused.context["form"].errors["iccid"]


@pytest.mark.spec("S2")
def test_only_fleet_managers_search_the_stock_or_open_a_draft(member_client: Client, billing_client: Client) -> None:
    for client in (member_client, billing_client):
        assert client.get(SEARCH, {"iccid": "8932"}).status_code == 403
        assert client.get("/fleet/lines/add/x1/sim/").status_code == 403


def test_the_customers_own_cards_come_before_the_operators(manager_client: Client, blank_sim) -> None:
    operator = blank_sim(customer=None, iccid="8932990000000077712")
    own = blank_sim(iccid="8932990000009977716")
    assert found(manager_client.get(SEARCH, {"iccid": "777"})) == [own.iccid, operator.iccid]
