"""The catalogue selectors: the contract's plans and options at its prices, for who may read
them (S2), never another customer's (S1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from fleetportal.catalog import selectors
from fleetportal.catalog.demo import retain_for
from fleetportal.catalog.models import ContractPlan, TariffPlan
from fleetportal.conftest import make_actor
from fleetportal.core.models import Contract, Customer

pytestmark = pytest.mark.spec("F-72", "F-21")


def test_plans_grouped_by_category_at_the_contracts_prices(manager, catalogue: Contract) -> None:
    ContractPlan.objects.filter(contract=catalogue, plan__code="mobile-1").update(monthly_price=Decimal("4.00"))
    groups = selectors.plans_for(make_actor(manager))
    assert [(g.category, g.label) for g in groups] == [
        ("mobile", "Mobile subscriptions"),
        ("data", "Mobile data subscriptions"),
    ]
    assert [(p.plan.name, p.monthly_price) for p in groups[0].plans][:2] == [
        ("Mobile 1", Decimal("4.00")),
        ("Mobile Europe", Decimal("45.00")),
    ]
    assert [p.plan.code for p in groups[1].plans] == ["mobile-data-12", "mobile-data-20", "mobile-data-50"]


def test_plans_withdrawn_from_sale_are_left_out(manager, catalogue: Contract) -> None:
    TariffPlan.objects.filter(code="mobile-start").update(active=False)
    codes = [p.plan.code for p in selectors.retained_plans(make_actor(manager))]
    assert "mobile-start" not in codes and len(codes) == 8


def test_options_with_their_applicability_to_a_plan(manager, catalogue: Contract) -> None:
    europe = TariffPlan.objects.get(code="mobile-europe")
    choices = {c.retained.option.code: c.applicable for c in selectors.options_for(make_actor(manager), europe)}
    assert choices["voice-national-100"] is False and choices["data-asia-tech-3gb"] is True
    assert {c.applicable for c in selectors.options_for(make_actor(manager))} == {None}


@pytest.mark.spec("F-72", "S1")
def test_another_customers_contract_is_a_404(manager, other_customer: Customer, catalogue: Contract) -> None:
    foreign = other_customer.contracts.get()
    retain_for(foreign)
    actor = make_actor(manager)
    for read in (selectors.retained_plans, selectors.retained_options, selectors.group_bundles_for):
        with pytest.raises(Http404):
            read(actor, foreign)
    with pytest.raises(Http404):
        selectors.contract_matrix(actor, foreign)
    assert list(selectors.contracts_for(actor)) == [catalogue]


@pytest.mark.spec("F-72", "S2")
def test_members_read_nothing_staff_read_the_contract_they_name(member, staff, catalogue: Contract) -> None:
    assert not selectors.contracts_for(make_actor(member)).exists()
    with pytest.raises(Http404):
        selectors.plans_for(make_actor(member))
    with pytest.raises(Http404):
        selectors.plans_for(make_actor(staff))
    assert len(selectors.contract_matrix(make_actor(staff), catalogue).columns) == 9
