"""One rule, in the action: the add-SIM wizard and the Manage SIM page refuse a bad value with
the very check and message of the action behind them (`line_add`, `line_update_details`), so
a page, the API and an import say the same thing (DESIGN rule 1, QUALITY R3). Each test gives
the same bad value to the page and to the action and compares what they say."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.utils import timezone

from fleetportal.accounts.forms import MobileField
from fleetportal.catalog.models import ContractOption, ContractPlan
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.fleet.actions import LineDetails, PortIn, line_add, line_update_details
from fleetportal.fleet.actions.details import text_limit
from fleetportal.fleet.forms import AddressForm, NumberStepForm, UserDetailsForm
from fleetportal.fleet.models import Line

pytestmark = pytest.mark.spec("F-21", "R3")

URL = "/fleet/lines/add/"
PROFILE: dict[str, Any] = {"first_name": "Eva", "last_name": "Peeters", "language": "nl"}


@pytest.fixture
def step(manager_client: Client) -> Callable[..., Any]:
    """`step(data, nav="next")` posts the wizard's current step, at the address of the step shown
    last (each step has its own); `step.start()` opens a fresh wizard."""
    shown = {"url": URL}

    def follow(response: Any) -> Any:
        if response.status_code == 200 and response.context and "step_url" in response.context:
            shown["url"] = response.context["step_url"]
        return response

    def post(data: dict[str, Any] | None = None, nav: str = "next") -> Any:
        return follow(manager_client.post(shown["url"], {**(data or {}), "nav": nav}))

    post.start = lambda: follow(manager_client.get(URL, follow=True))  # type: ignore[attr-defined]
    return post


@pytest.fixture
def at_number_step(manager_client: Client, step, blank_sim, plans, catalogue, account) -> Callable[..., Any]:
    """The wizard filled in up to its last step (the number); posts that step."""
    step.start()
    step({"iccid": blank_sim().iccid})
    step({"split_bill": "no"})
    step(PROFILE)
    step({"plan": ContractPlan.objects.get(contract=catalogue, plan=plans["mobile-start"]).pk})
    last = step({"billing_account": account.pk})
    assert last.context["step"].key == "number"
    return step


@pytest.fixture
def add(manager_actor: Actor, blank_sim, plans, account) -> Callable[..., Line]:
    """line_add with valid defaults, as the wizard calls it; keyword arguments override them."""

    def call(**overrides: Any) -> Line:
        kwargs: dict[str, Any] = {
            "actor": manager_actor,
            "iccid": blank_sim().iccid,
            "details": LineDetails(**PROFILE),
            "plan": plans["mobile-start"],
            "options": [],
            "billing_account": account,
            "number_choice": PortIn(msisdn="0470998877", donor_operator="Proximus", donor_account="A-1"),
        }
        return line_add(**{**kwargs, **overrides})

    return call


def refusal(call: Callable[[], object]) -> ActionError:
    with pytest.raises(ActionError) as refused:
        call()
    return refused.value


# --- the port-in (F-21 step 6) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"donor_account": "A-1"}, "donor_operator"),
        ({"donor_operator": "Proximus"}, "donor_account"),
        ({"donor_operator": "Proximus", "donor_sim": "8" * 25}, "donor_sim"),  # the line keeps 20
        ({"donor_operator": "Proximus", "donor_account": "A" * 41}, "donor_account"),  # the line keeps 40
    ],
)
def test_a_bad_port_in_gets_the_actions_message_on_the_wizard_page(at_number_step, add, typed, field) -> None:
    page = at_number_step({"choice": "existing", "msisdn": "0470 99 88 77", **typed})
    assert page.context["step"].key == "number"
    errors = page.context["form"].errors
    assert set(errors) == {field}, errors

    choice = {"msisdn": "0470998877", "donor_operator": "", "donor_account": "", "donor_sim": "", **typed}
    refused = refusal(lambda: add(number_choice=PortIn(**choice)))
    assert refused.field == field
    assert errors[field] == [str(refused.message)]
    assert not Line.objects.exists()


def test_a_25_character_donor_sim_number_is_refused_on_its_field_not_by_the_database(at_number_step, add) -> None:
    page = at_number_step({"choice": "existing", "msisdn": "0470 99 88 77", "donor_operator": "Proximus"})
    donor_sim = re.search(r'<input[^>]*name="donor_sim"[^>]*>', page.content.decode())
    assert donor_sim and 'maxlength="20"' in donor_sim.group(0)  # the model's limit, for the browser
    refused = at_number_step(
        {"choice": "existing", "msisdn": "0470 99 88 77", "donor_operator": "Proximus", "donor_sim": "8" * 25}
    )
    assert refused.context["form"].errors["donor_sim"] == ["Enter at most 20 characters."]
    assert refused.context["step"].key == "number"
    with pytest.raises(ActionError) as action:
        add(number_choice=PortIn(msisdn="0470998877", donor_operator="Proximus", donor_sim="8" * 25))
    assert (action.value.field, str(action.value.message)) == ("donor_sim", "Enter at most 20 characters.")
    assert not Line.objects.exists()
    # Twenty characters are fine on both.
    line = add(number_choice=PortIn(msisdn="0470998877", donor_operator="Proximus", donor_sim="8" * 20))
    assert line.donor_sim == "8" * 20


# --- the options of the plan (R-F2) -----------------------------------------------------------------


@pytest.mark.spec("R-F2")
def test_an_option_not_applicable_gets_the_actions_message_on_the_plan_step(
    manager_client: Client, step, add, blank_sim, plans, options, catalogue
) -> None:
    step.start()
    step({"iccid": blank_sim().iccid})
    step({"split_bill": "no"})
    step(PROFILE)
    limitless, national = plans["mobile-limitless"], options["data-national-10gb"]
    page = step(
        {
            "plan": ContractPlan.objects.get(contract=catalogue, plan=limitless).pk,
            "options": [ContractOption.objects.get(contract=catalogue, option=national).pk],
        }
    )
    assert page.context["step"].key == "plan"
    refused = refusal(lambda: add(plan=limitless, options=[national]))
    assert refused.field == "options"
    assert page.context["form"].errors["options"] == [str(refused.message)]
    assert not Line.objects.exists()


# --- the birth date (F-21 step 3, F-27) ------------------------------------------------------------


def _today_and_after() -> list[date]:
    today = timezone.localdate()
    return [today, today + timedelta(days=1)]


@pytest.mark.spec("F-27")
@pytest.mark.parametrize("born", [date(1899, 12, 31), date(1066, 10, 14), *_today_and_after()])
def test_one_birth_date_rule_for_the_page_and_the_action(
    manager_client: Client, manager_actor: Actor, make_line: Callable[..., Line], born: date
) -> None:
    line = make_line(first_name="Old")
    page = manager_client.post(f"/fleet/lines/{line.pk}/?tab=details", {**PROFILE, "birth_date": born.isoformat()})
    refused = refusal(lambda: line_update_details(actor=manager_actor, line=line, birth_date=born))
    assert refused.field == "birth_date"
    assert page.context["form"].errors == {"birth_date": [str(refused.message)]}
    line.refresh_from_db()
    assert (line.first_name, line.birth_date) == ("Old", None)


@pytest.mark.spec("F-27")
def test_the_first_day_of_1900_is_a_birth_date_for_both(
    manager_client: Client, manager_actor: Actor, make_line: Callable[..., Line]
) -> None:
    line = make_line()
    form = UserDetailsForm({**PROFILE, "birth_date": "1900-01-01"})
    assert form.is_valid(), form.errors
    line_update_details(actor=manager_actor, line=line, birth_date=form.cleaned_data["birth_date"])
    line.refresh_from_db()
    assert line.birth_date == date(1900, 1, 1)


# --- the other details: the action's check, every bad field at once ---------------------------------


@pytest.mark.spec("F-27")
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("email", "not-an-address"),
        ("language", "xx"),
        ("civility", "sir"),
        ("first_name", "x" * 101),
        ("description", "d" * 201),
    ],
)
def test_a_bad_detail_gets_the_actions_message_in_the_form(
    manager_actor: Actor, make_line: Callable[..., Line], name: str, value: str
) -> None:
    form = UserDetailsForm({**PROFILE, name: value})
    assert not form.is_valid()
    fields: dict[str, Any] = {name: value}
    refused = refusal(lambda: line_update_details(actor=manager_actor, line=make_line(), **fields))
    assert refused.field == name
    assert form.errors == {name: [str(refused.message)]}


# --- every text limit is the model's -----------------------------------------------------------------


def _text_fields(form: forms.Form) -> list[str]:
    """The form's free-text fields that a line keeps as typed (not choices, not a phone number:
    that is typed with spaces and kept shorter, as E.164)."""
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field, MobileField)
    ]


@pytest.mark.parametrize(
    "form", [UserDetailsForm(), AddressForm(), NumberStepForm(free_numbers=[])], ids=lambda f: type(f).__name__
)
def test_the_forms_take_every_text_limit_from_the_line_model(db: None, form: forms.Form) -> None:
    names = _text_fields(form)
    assert names, "the form has no text field left to check"
    for name in names:
        limit = text_limit(name)
        rendered = str(form[name])
        assert f'maxlength="{limit}"' in rendered, (name, rendered)


@pytest.mark.parametrize("name", ["description", "first_name", "last_name", "email", "postal_code", "box", "street"])
def test_the_action_refuses_one_character_more_than_the_line_keeps(
    manager_actor: Actor, make_line: Callable[..., Line], name: str
) -> None:
    limit = text_limit(name)
    value = ("a" * (limit - len("@acme.example")) + "@acme.example") if name == "email" else "a" * limit
    line = make_line()
    at_limit: dict[str, Any] = {name: value}
    line_update_details(actor=manager_actor, line=line, **at_limit)  # the limit itself is fine
    over: dict[str, Any] = {name: value + "a"}
    refused = refusal(lambda: line_update_details(actor=manager_actor, line=line, **over))
    assert refused.field == name
