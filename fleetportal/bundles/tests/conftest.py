"""Group bundle test fixtures on top of the shared ones (fleetportal/conftest.py).

offers              the contract's retained group bundles by offer code (`catalogue` retains all)
lines               three ACTIVE lines of `customer` on its contract: the first is the member's
second_contract     another contract of `customer`, with a billing account and one line on it
pool(**kw)          a pool ordered through `pool_order` by the manager, of the cheapest offer
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fleetportal.accounts.models import User
from fleetportal.bundles.actions import pool_order
from fleetportal.bundles.models import GroupBundle
from fleetportal.catalog.models import ContractGroupBundle
from fleetportal.core.actor import Actor
from fleetportal.core.models import Contract, Customer
from fleetportal.core.tests.factories import BillingAccountFactory, ContractFactory
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory


@pytest.fixture
def offers(catalogue: Contract) -> dict[str, ContractGroupBundle]:
    return {item.offer.code: item for item in catalogue.group_bundles.select_related("offer")}


@pytest.fixture
def lines(customer: Customer, member: User, catalogue: Contract) -> list[Line]:
    account = customer.billing_accounts.get(contract=catalogue)
    return [
        LineFactory.create(customer=customer, billing_account=account, msisdn="+32470200001", user=member),
        LineFactory.create(customer=customer, billing_account=account, msisdn="+32470200002"),
        LineFactory.create(customer=customer, billing_account=account, msisdn="+32470200003"),
    ]


@pytest.fixture
def second_contract(customer: Customer, catalogue: Contract) -> tuple[Contract, Line]:
    contract = ContractFactory.create(customer=customer)
    account = BillingAccountFactory.create(customer=customer, contract=contract)
    return contract, LineFactory.create(customer=customer, billing_account=account, msisdn="+32470209999")


@pytest.fixture
def pool(
    manager_actor: Actor, catalogue: Contract, offers: dict[str, ContractGroupBundle]
) -> Callable[..., GroupBundle]:
    def make(**kwargs: Any) -> GroupBundle:
        offer = kwargs.pop("offer", None) or min(offers.values(), key=lambda item: item.monthly_price)
        kwargs.setdefault("name", "Sales team")
        return pool_order(actor=manager_actor, contract=catalogue, offer=offer, **kwargs)

    return make
