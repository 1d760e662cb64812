"""The add-SIM wizard's action (F-21): a blank card of the customer's or the operator's stock,
the contract's plans and compatible options, a number from the pool or a port-in. Bad input
names the field and changes nothing (R3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.catalog.models import ContractOption
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.core.tests.factories import BillingAccountFactory
from fleetportal.fleet.actions import LineDetails, NewNumber, PortIn, line_add
from fleetportal.fleet.actions import lines as lines_actions
from fleetportal.fleet.models import Line, PoolNumber, SimCard
from fleetportal.fleet.tests.factories import LineFactory, PoolNumberFactory, SimCardFactory, make_iccid

pytestmark = pytest.mark.spec("F-21")


@pytest.fixture
def pool(db: None) -> list[PoolNumber]:
    return [PoolNumberFactory.create(msisdn=f"+3249900000{n}") for n in range(1, 4)]


@pytest.fixture
def add(manager_actor: Actor, plans, options, account: BillingAccount, blank_sim) -> Callable[..., Line]:
    """line_add with valid defaults; keyword arguments override them."""

    def call(**overrides: Any) -> Line:
        kwargs: dict[str, Any] = {
            "actor": manager_actor,
            "iccid": blank_sim().iccid,
            "details": LineDetails(first_name="Jan", last_name="Peeters", email="Jan@Example.com", language="nl"),
            "plan": plans["mobile-start"],
            "options": [options["data-eu-5gb"]],
            "billing_account": account,
            "number_choice": NewNumber(),
        }
        kwargs.update(overrides)
        return line_add(**kwargs)

    return call


def _nothing_changed(before_lines: int = 0) -> None:
    assert Line.objects.count() == before_lines
    assert not SimCard.objects.filter(status=SimCard.Status.IN_USE).exists()
    assert not PoolNumber.objects.filter(status=PoolNumber.Status.ASSIGNED).exists()
    assert not AuditEvent.objects.filter(action="line.added").exists()


def test_a_new_line_takes_a_blank_card_and_the_first_free_number(add, pool, options, customer: Customer) -> None:
    line = add()
    line.refresh_from_db()
    assert line.status == Line.Status.PENDING and line.customer == customer
    assert line.msisdn == "+32499000001"
    assert PoolNumber.objects.get(msisdn=line.msisdn).status == PoolNumber.Status.ASSIGNED
    assert line.sim.status == SimCard.Status.IN_USE
    assert list(line.options.all()) == [options["data-eu-5gb"]]
    assert line.email == "jan@example.com" and line.first_name == "Jan"
    event = AuditEvent.objects.get(action="line.added")
    assert event.customer == customer and event.after["plan"] == "mobile-start"
    assert event.after["options"] == ["data-eu-5gb"] and event.object_label == line.msisdn
    assert not line.provisioning_requests.exists()  # the network hears of it at activation


def test_a_chosen_free_number_and_the_operators_stock(add, pool, customer: Customer) -> None:
    operator_card = SimCardFactory.create(customer=None)
    line = add(iccid=operator_card.iccid, number_choice=NewNumber(msisdn="0499 00 00 03"))
    assert line.msisdn == "+32499000003"
    operator_card.refresh_from_db()
    assert operator_card.customer == customer and operator_card.status == SimCard.Status.IN_USE


def test_two_wizards_never_get_the_same_number(add, pool) -> None:
    first, second = add(), add()
    assert first.msisdn != second.msisdn
    assert PoolNumber.objects.filter(status=PoolNumber.Status.ASSIGNED).count() == 2


def test_a_port_in_keeps_the_number_and_records_the_donor(add) -> None:
    line = add(number_choice=PortIn(msisdn="0475 11 22 33", donor_operator="Proximus", donor_account="123456"))
    assert line.msisdn == "+32475112233" and line.status == Line.Status.PENDING
    assert (line.donor_operator, line.donor_account) == ("Proximus", "123456")
    assert AuditEvent.objects.get(action="line.added").after["port_in"] is True


@pytest.mark.spec("R3")
@pytest.mark.parametrize("iccid", ["1234", make_iccid(7)[:-1] + str((int(make_iccid(7)[-1]) + 1) % 10), "8932abc", ""])
def test_a_bad_iccid_is_refused_on_its_field(add, pool, blank_sim, iccid: str) -> None:
    blank_sim(iccid=iccid)  # even a card stored under a bad number is not taken
    with pytest.raises(ActionError) as refused:
        add(iccid=iccid)
    assert refused.value.field == "iccid" and "check digit" in str(refused.value.message)
    _nothing_changed()


@pytest.mark.spec("R3")
def test_a_card_in_use_retired_or_of_another_customer_is_refused(add, pool, other_customer: Customer) -> None:
    cases = {
        SimCardFactory.create(customer=None, status=SimCard.Status.IN_USE).iccid: "already in use",
        SimCardFactory.create(customer=None, status=SimCard.Status.RETIRED).iccid: "already in use",
        SimCardFactory.create(customer=other_customer).iccid: "not in your stock",
        make_iccid(999_999): "not in your stock",  # valid ICCID, unknown card
    }
    for iccid, message in cases.items():
        with pytest.raises(ActionError) as refused:
            add(iccid=iccid)
        assert refused.value.field == "iccid" and message in str(refused.value.message), iccid
    assert Line.objects.count() == 0
    assert not PoolNumber.objects.filter(status=PoolNumber.Status.ASSIGNED).exists()


@pytest.mark.spec("R3")
def test_a_number_not_in_the_pool_or_no_free_number(add, pool) -> None:
    for choice in (NewNumber(msisdn="+32470999999"), NewNumber(msisdn="not a number")):
        with pytest.raises(ActionError) as refused:
            add(number_choice=choice)
        assert refused.value.field == "msisdn"
    PoolNumber.objects.update(status=PoolNumber.Status.QUARANTINE)
    with pytest.raises(ActionError) as refused:
        add()
    assert refused.value.field == "msisdn" and "no free number" in str(refused.value.message)
    assert Line.objects.count() == 0 and not SimCard.objects.filter(status=SimCard.Status.IN_USE).exists()


@pytest.mark.spec("R3")
@pytest.mark.parametrize(
    ("choice", "field"),
    [
        (PortIn(msisdn="12", donor_operator="Proximus", donor_account="1"), "msisdn"),
        (PortIn(msisdn="0475112233", donor_operator="", donor_account="1"), "donor_operator"),
        (PortIn(msisdn="0475112233", donor_operator="Proximus"), "donor_account"),
        (PortIn(msisdn="+32499000001", donor_operator="Proximus", donor_sim="8932"), "msisdn"),  # our own range
    ],
)
def test_bad_port_ins_are_refused(add, pool, choice: PortIn, field: str) -> None:
    with pytest.raises(ActionError) as refused:
        add(number_choice=choice)
    assert refused.value.field == field
    _nothing_changed()


@pytest.mark.spec("R3")
def test_a_port_in_of_a_number_already_live_is_refused(add, make_line) -> None:
    make_line(msisdn="+32475112233")
    with pytest.raises(ActionError) as refused:
        add(number_choice=PortIn(msisdn="0475112233", donor_operator="Proximus", donor_account="1"))
    assert refused.value.field == "msisdn"
    assert Line.objects.count() == 1


@pytest.mark.spec("R-F2", "R3")
def test_only_the_contracts_plans_and_compatible_options(add, pool, plans, options, catalogue) -> None:
    # Voice National 100 is "not applicable" to Mobile Europe in the seeds' matrix.
    with pytest.raises(ActionError) as refused:
        add(plan=plans["mobile-europe"], options=[options["voice-national-100"]])
    assert refused.value.field == "options" and "does not apply" in str(refused.value.message)
    ContractOption.objects.filter(contract=catalogue, option=options["data-eu-5gb"]).delete()
    with pytest.raises(ActionError) as refused:
        add()
    assert refused.value.field == "options" and "does not include" in str(refused.value.message)
    catalogue.plans.filter(plan=plans["mobile-start"]).delete()
    with pytest.raises(ActionError) as refused:
        add(options=[])
    assert refused.value.field == "plan"
    _nothing_changed()


@pytest.mark.spec("R3")
@pytest.mark.parametrize(
    ("details", "field"),
    [
        (LineDetails(email="not-an-address"), "email"),
        (LineDetails(contact_phone="12345"), "contact_phone"),
        (LineDetails(language="xx"), "language"),
        (LineDetails(civility="sir"), "civility"),
        (LineDetails(first_name="x" * 101), "first_name"),
    ],
)
def test_bad_details_are_refused_on_their_field(add, pool, details: LineDetails, field: str) -> None:
    with pytest.raises(ActionError) as refused:
        add(details=details)
    assert refused.value.field == field
    _nothing_changed()


@pytest.mark.spec("S1", "R3")
def test_a_billing_account_or_split_bill_profile_of_another_customer(
    add, pool, manager_actor: Actor, other_customer: Customer, account: BillingAccount
) -> None:
    with pytest.raises(PermissionDeniedError):
        add(billing_account=BillingAccountFactory.create(customer=other_customer))
    foreign_profile = SplitBillProfile.objects.create(customer=other_customer, name="Private")
    with pytest.raises(ActionError) as refused:
        add(split_bill_profile=foreign_profile)
    assert refused.value.field == "split_bill_profile"
    _nothing_changed()
    own = SplitBillProfile.objects.create(customer=account.customer, name="Employee pays data")
    assert add(split_bill_profile=own).split_bill_profile == own


@pytest.mark.spec("S2")
def test_only_fleet_managers_add_lines(add, pool, member_actor: Actor, billing_manager, actor_for, other_actor) -> None:
    for actor in (member_actor, actor_for(billing_manager), other_actor):
        with pytest.raises(PermissionDeniedError):
            add(actor=actor)
    _nothing_changed()


def test_a_stopped_lines_number_and_card_can_be_reused(add, pool, customer: Customer) -> None:
    old = LineFactory.create(customer=customer, msisdn="+32499000001", status=Line.Status.STOPPED)
    line = add(number_choice=NewNumber(msisdn="+32499000001"))
    assert line.msisdn == old.msisdn


@pytest.mark.spec("R2", "R3")
def test_a_port_in_racing_another_wizard_is_refused_cleanly(add, make_line, monkeypatch) -> None:
    make_line(msisdn="+32475112233")
    # The other wizard committed the same number right after this one's check passed.
    monkeypatch.setattr(lines_actions, "_check_no_live_line", lambda checks: None)
    with pytest.raises(ActionError) as refused:
        add(number_choice=PortIn(msisdn="0475112233", donor_operator="Proximus", donor_account="1"))
    assert refused.value.field == "msisdn"
    assert Line.objects.count() == 1 and SimCard.objects.filter(status=SimCard.Status.IN_USE).count() == 1
