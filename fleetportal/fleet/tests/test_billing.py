"""Billing account and split-bill profile of lines (F-30), and tags / cost centres."""

from __future__ import annotations

import pytest

from fleetportal.billing.models import SplitBillProfile
from fleetportal.catalog.demo import retain_for
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.core.tests.factories import BillingAccountFactory, ContractFactory
from fleetportal.fleet.actions import KEEP, lines_change_billing, lines_set_tags, tag_create
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import TagFactory
from fleetportal.network.models import ProvisioningRequest


@pytest.mark.spec("F-30")
def test_lines_move_to_another_billing_account_and_split_bill_profile(
    manager_actor: Actor, make_line, customer: Customer, account, catalogue
) -> None:
    lines = [make_line(), make_line()]
    second = BillingAccountFactory.create(customer=customer, contract=catalogue, number="200000001")
    profile = SplitBillProfile.objects.create(customer=customer, name="Employee pays data")
    lines_change_billing(actor=manager_actor, lines=lines, billing_account=second, split_bill_profile=profile)
    assert set(Line.objects.values_list("billing_account__number", "split_bill_profile__name", "version")) == {
        ("200000001", "Employee pays data", 2)
    }
    event = AuditEvent.objects.filter(action="line.billing_changed").order_by("pk")[0]
    assert event.before == {"billing_account": account.number, "split_bill_profile": ""}
    assert event.after == {"billing_account": "200000001", "split_bill_profile": "Employee pays data"}
    assert not ProvisioningRequest.objects.exists()  # billing is not the network's business

    # Keep the account, end split billing.
    lines_change_billing(actor=manager_actor, lines=list(Line.objects.all()), split_bill_profile=None)
    assert set(Line.objects.values_list("billing_account__number", "split_bill_profile")) == {("200000001", None)}


@pytest.mark.spec("F-30", "S1", "R3")
def test_foreign_accounts_and_profiles_are_refused(
    manager_actor: Actor, make_line, other_customer: Customer, account
) -> None:
    line = make_line()
    with pytest.raises(ActionError) as refused:
        lines_change_billing(actor=manager_actor, lines=[line], billing_account=other_customer.billing_accounts.get())
    assert refused.value.field == "billing_account"
    foreign = SplitBillProfile.objects.create(customer=other_customer, name="X")
    with pytest.raises(ActionError) as refused:
        lines_change_billing(actor=manager_actor, lines=[line], split_bill_profile=foreign)
    assert refused.value.field == "split_bill_profile"
    with pytest.raises(ActionError) as refused:
        lines_change_billing(actor=manager_actor, lines=[line], split_bill_profile=KEEP)
    assert refused.value.field == "billing_account"
    line.refresh_from_db()
    assert line.billing_account == account and line.version == 1


@pytest.mark.spec("F-30", "R3")
def test_an_account_whose_contract_lacks_the_plan_is_refused(
    manager_actor: Actor, make_line, customer: Customer, options
) -> None:
    line = make_line(options=[options["data-eu-5gb"]])
    contract = ContractFactory.create(customer=customer)
    bare = BillingAccountFactory.create(customer=customer, contract=contract)
    with pytest.raises(ActionError) as refused:
        lines_change_billing(actor=manager_actor, lines=[line], billing_account=bare)
    assert refused.value.field == "billing_account" and "Mobile Start" in str(refused.value.message)
    retain_for(contract)
    lines_change_billing(actor=manager_actor, lines=[line], billing_account=bare)
    line.refresh_from_db()
    assert line.billing_account == bare


def test_tags_on_many_lines(manager_actor: Actor, make_line, customer: Customer, other_customer: Customer) -> None:
    lines = [make_line(), make_line()]
    sales = tag_create(actor=manager_actor, customer=customer, name="  Sales   team ")
    assert sales.name == "Sales team"
    with pytest.raises(ActionError) as refused:
        tag_create(actor=manager_actor, customer=customer, name="Sales team")
    assert refused.value.field == "name"
    lines_set_tags(actor=manager_actor, lines=lines, add=[sales])
    lines_set_tags(actor=manager_actor, lines=lines, add=[sales])  # twice is once
    assert [list(line.tags.all()) for line in lines] == [[sales], [sales]]
    lines_set_tags(actor=manager_actor, lines=lines[:1], remove=[sales])
    assert not lines[0].tags.exists() and lines[1].tags.exists()
    assert AuditEvent.objects.filter(action="line.tags_changed").count() == 5
    with pytest.raises(ActionError) as refused:
        lines_set_tags(actor=manager_actor, lines=lines, add=[TagFactory.create(customer=other_customer)])
    assert refused.value.field == "tags"


@pytest.mark.spec("S1")
def test_another_customer_cannot_tag_or_rebill(other_actor: Actor, make_line, customer: Customer) -> None:
    line = make_line()
    with pytest.raises(PermissionDeniedError):
        lines_set_tags(actor=other_actor, lines=[line], add=[TagFactory.create(customer=customer)])
    with pytest.raises(PermissionDeniedError):
        tag_create(actor=other_actor, customer=customer, name="Mine")
    with pytest.raises(PermissionDeniedError):
        lines_change_billing(actor=other_actor, lines=[line], split_bill_profile=None)
