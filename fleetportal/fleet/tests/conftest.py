"""Fleet test fixtures on top of the shared ones (fleetportal/conftest.py).

plans               the seeds' plans by code (`plans["mobile-europe"]`), retained by the
                    contract of `customer` (the `catalogue` fixture)
options             the seeds' options by code, retained likewise
account             the billing account of `customer`
make_line(**kw)     an ACTIVE line of `customer` on Mobile Start (unless told), its own SIM,
                    `options=[…]` as LineOption rows
blank_sim(**kw)     a BLANK physical SIM of `customer`'s stock (`customer=None`: the operator's)
new_key(user, scopes)   an API key made by the real action (from the API tests' conftest)
stock               two blank SIM cards of `customer` (physical, eSIM) and two free pool numbers
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fleetportal.accounts.models import User
from fleetportal.billing.models import BillingAccount
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.core.models import Contract, Customer
from fleetportal.fleet.models import Line, SimCard

from .factories import LineFactory, PoolNumberFactory, SimCardFactory


@pytest.fixture
def plans(catalogue: Contract) -> dict[str, TariffPlan]:
    return {plan.code: plan for plan in TariffPlan.objects.all()}


@pytest.fixture
def options(catalogue: Contract) -> dict[str, Option]:
    return {option.code: option for option in Option.objects.all()}


@pytest.fixture
def account(customer: Customer) -> BillingAccount:
    return customer.billing_accounts.get()


@pytest.fixture
def make_line(customer: Customer, plans: dict[str, TariffPlan], account: BillingAccount) -> Callable[..., Line]:
    def make(**kwargs: Any) -> Line:
        kwargs.setdefault("customer", customer)
        kwargs.setdefault("plan", plans["mobile-start"])
        if kwargs["customer"] == customer:
            kwargs.setdefault("billing_account", account)
        return LineFactory.create(**kwargs)

    return make


@pytest.fixture
def blank_sim(customer: Customer) -> Callable[..., SimCard]:
    def make(**kwargs: Any) -> SimCard:
        kwargs.setdefault("customer", customer)
        return SimCardFactory.create(**kwargs)

    return make


# --- the pages: logged in through the real login pages ---------------------------------------------
#     manager_client, member_client    Clients of `manager` and `member`
#     billing_client                   a manager limited to the billing function (no fleet, F-09)


def _logged_in(user: User, login: Callable[..., object]) -> Client:
    client = Client()
    login(client, user)
    return client


@pytest.fixture
def manager_client(manager: User, login: Callable[..., object]) -> Client:
    return _logged_in(manager, login)


@pytest.fixture
def member_client(member: User, login: Callable[..., object]) -> Client:
    return _logged_in(member, login)


@pytest.fixture
def billing_client(billing_manager: User, login: Callable[..., object]) -> Client:
    return _logged_in(billing_manager, login)


@pytest.fixture
def stock(blank_sim: Callable[..., SimCard], catalogue: Contract) -> tuple[SimCard, SimCard]:
    """Two blank SIM cards of the customer and two free pool numbers."""
    PoolNumberFactory.create(msisdn="+32499000001")
    PoolNumberFactory.create(msisdn="+32499000002")
    return blank_sim(), blank_sim(esim=True)
