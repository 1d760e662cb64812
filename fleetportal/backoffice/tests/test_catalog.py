"""A contract's catalogue and prices (F-93, F-72): set, change and withdraw, audited; bad input
named on its field with nothing changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fleetportal.backoffice.actions_catalog import contract_item_withdraw, contract_price_set
from fleetportal.catalog.models import ContractOption, ContractPlan, TariffPlan
from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent


def plan_price(contract, code: str) -> Decimal | None:  # type: ignore[no-untyped-def]
    row = ContractPlan.objects.filter(contract=contract, plan__code=code).first()
    return row.monthly_price if row else None


@pytest.mark.spec("F-93", "F-72")
def test_a_price_change_is_audited_with_before_and_after(client, operator_admin, login, catalogue):
    login(client, operator_admin)
    response = client.post(
        f"/staff/contracts/{catalogue.number}/price/", {"kind": "plan", "code": "mobile-start", "price": "8,50"}
    )
    assert response.status_code == 302
    assert plan_price(catalogue, "mobile-start") == Decimal("8.50")
    event = AuditEvent.objects.get(action="contract.price_set")
    assert (event.actor, event.customer) == (operator_admin, catalogue.customer)
    assert event.before == {"kind": "plan", "code": "mobile-start", "price": "10.00"}
    assert event.after == {"kind": "plan", "code": "mobile-start", "price": "8.50"}
    # The customer's own contract page shows the contract's new price.
    assert "8.50" in client.get(f"/contracts/{catalogue.number}/").content.decode()


@pytest.mark.spec("F-93", "R3")
@pytest.mark.parametrize("price", ["abc", "-1", "12.345", "1000000", "NaN", ""])
def test_a_bad_price_is_named_and_nothing_changes(client, operator_admin, login, catalogue, price):
    login(client, operator_admin)
    response = client.post(
        f"/staff/contracts/{catalogue.number}/price/", {"kind": "plan", "code": "mobile-start", "price": price}
    )
    assert response.status_code == 200
    errors = next(form for form in response.context["rows"]["plan"] if form.code == "mobile-start").form.errors
    assert "price" in errors
    assert plan_price(catalogue, "mobile-start") == Decimal("10.00")
    assert not AuditEvent.objects.filter(action="contract.price_set").exists()


@pytest.mark.spec("F-93")
def test_an_item_is_retained_at_a_price_and_withdrawn_unless_in_use(operator_admin, actor_for, catalogue):
    from fleetportal.fleet.tests.factories import LineFactory

    admin = actor_for(operator_admin)
    ContractOption.objects.filter(contract=catalogue, option__code="data-eu-5gb").delete()
    contract_price_set(actor=admin, contract=catalogue, kind="option", code="data-eu-5gb", price="7")
    assert ContractOption.objects.get(contract=catalogue, option__code="data-eu-5gb").monthly_price == Decimal("7.00")
    assert AuditEvent.objects.get(action="contract.price_set").before["price"] is None

    contract_item_withdraw(actor=admin, contract=catalogue, kind="option", code="data-eu-5gb")
    assert not ContractOption.objects.filter(contract=catalogue, option__code="data-eu-5gb").exists()
    assert AuditEvent.objects.filter(action="contract.item_withdrawn").exists()

    LineFactory.create(customer=catalogue.customer, plan=TariffPlan.objects.get(code="mobile-1"))
    with pytest.raises(ActionError) as refused:
        contract_item_withdraw(actor=admin, contract=catalogue, kind="plan", code="mobile-1")
    assert refused.value.code == "conflict"
    assert plan_price(catalogue, "mobile-1") == Decimal("5.00")


@pytest.mark.spec("F-93", "S2")
def test_an_agent_cannot_change_a_price(client, support_agent, login, catalogue):
    login(client, support_agent)
    page = client.get(f"/staff/contracts/{catalogue.number}/")
    assert page.status_code == 200 and 'name="price"' not in page.content.decode()  # read only
    response = client.post(
        f"/staff/contracts/{catalogue.number}/price/", {"kind": "plan", "code": "mobile-start", "price": "1"}
    )
    assert response.status_code == 403
    assert "Only an operator admin may change customers, the catalogue, prices" in response.content.decode()
    assert plan_price(catalogue, "mobile-start") == Decimal("10.00")


@pytest.mark.spec("F-93", "F-72")
def test_a_new_contract_retains_the_catalogue_at_list_price_keeping_its_own_prices(
    client, operator_admin, login, catalogue
):
    from fleetportal.catalog.models import ContractGroupBundle

    ContractPlan.objects.filter(contract=catalogue, plan__code="mobile-1").delete()
    ContractOption.objects.filter(contract=catalogue).delete()
    ContractPlan.objects.filter(contract=catalogue, plan__code="mobile-start").update(monthly_price=Decimal("7.00"))
    login(client, operator_admin)
    assert client.post(f"/staff/contracts/{catalogue.number}/retain-all/").status_code == 302
    assert plan_price(catalogue, "mobile-1") == Decimal("5.00")  # list price
    assert plan_price(catalogue, "mobile-start") == Decimal("7.00")  # kept
    assert ContractOption.objects.filter(contract=catalogue).count() == 7
    assert ContractGroupBundle.objects.filter(contract=catalogue).count() == 3
    assert AuditEvent.objects.get(action="contract.catalogue_retained").after == {"count": 8}
