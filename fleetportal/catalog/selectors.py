"""Reads of the catalogue as a contract retained it, scoped to the actor (DESIGN rule 2).

Who sees a contract's plans and prices: operator staff (every contract), managers of the
customer with the fleet or billing function, and the customer's API keys with a read, fleet or
billing scope. Anyone else sees nothing; a contract of another customer is a 404.
Prices are always the contract's own (`ContractPlan.monthly_price`), never the list price.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from fleetportal.core.actor import Actor
from fleetportal.core.models import Contract
from fleetportal.core.scope import scope, sees_all_of_customer

from .models import ContractGroupBundle, ContractOption, ContractPlan, TariffPlan
from .rules import option_applies

# Mobile subscriptions before data subscriptions, as the seeds' matrix shows them.
CATEGORY_ORDER = Case(
    *(When(plan__category=value, then=Value(rank)) for rank, value in enumerate(TariffPlan.Category.values)),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class PlanGroup:
    category: str
    label: str
    plans: list[ContractPlan]


@dataclass(frozen=True)
class OptionChoice:
    retained: ContractOption
    # Whether the option may go with the plan asked about; None when no plan was given.
    applicable: bool | None


@dataclass(frozen=True)
class MatrixRow:
    retained: ContractOption
    cells: list[Decimal | None]  # one per column: the option's price, None = "not applicable"


@dataclass(frozen=True)
class Matrix:
    contract: Contract
    groups: list[PlanGroup]
    columns: list[ContractPlan]
    rows: list[MatrixRow]


def may_read_contracts(actor: Actor) -> bool:
    """Whether the actor reads contracts at all (policy.py); the contract page is a 403 if not."""
    return sees_all_of_customer(actor, Contract)


def contracts_for(actor: Actor) -> QuerySet[Contract]:
    return scope(actor, Contract).select_related("customer")


def contract_for(actor: Actor, number: str) -> Contract:
    """One contract the actor may read, by its number, or 404."""
    contract = contracts_for(actor).filter(number=number).first()
    if contract is None:
        raise Http404
    return contract


def readable_contract(actor: Actor, number: str | None) -> Contract:
    """The contract `number` if the actor may read it, else the first of the actor's own
    customer; or 404 (for staff, who name the contract they read, without a number)."""
    return _contract(actor, None) if number is None else contract_for(actor, number)


def _contract(actor: Actor, contract: Contract | None) -> Contract:
    """The contract asked for if the actor may read it, else the actor's first contract; or 404."""
    # Without one, the actor's own customer's: staff see every customer's but have none of their own.
    asked = Q(pk=contract.pk) if contract is not None else Q(customer=actor.customer)
    found = contracts_for(actor).filter(asked).first()
    if found is None:
        raise Http404
    return found


def retained_plans(actor: Actor, contract: Contract | None = None) -> QuerySet[ContractPlan]:
    """The plans on sale the contract retained, with its price; mobile before data."""
    return (
        ContractPlan.objects.filter(contract=_contract(actor, contract), plan__active=True)
        .select_related("plan")
        .order_by(CATEGORY_ORDER, "plan__sort_order", "plan__name")
    )


def retained_options(actor: Actor, contract: Contract | None = None) -> QuerySet[ContractOption]:
    """The options on sale the contract retained, with its price and the plans they exclude."""
    return (
        ContractOption.objects.filter(contract=_contract(actor, contract), option__active=True)
        .select_related("option")
        .prefetch_related("option__excluded_plans")
        .order_by("option__sort_order", "option__name")
    )


def group_bundles_for(actor: Actor, contract: Contract | None = None) -> QuerySet[ContractGroupBundle]:
    return (
        ContractGroupBundle.objects.filter(contract=_contract(actor, contract))
        .select_related("offer")
        .order_by("monthly_price", "offer__name")
    )


def _grouped(retained: list[ContractPlan]) -> list[PlanGroup]:
    labels = dict(TariffPlan.Category.choices)
    groups: list[PlanGroup] = []
    for item in retained:
        if not groups or groups[-1].category != item.plan.category:
            groups.append(PlanGroup(item.plan.category, str(labels[item.plan.category]), []))
        groups[-1].plans.append(item)
    return groups


def plans_for(actor: Actor, contract: Contract | None = None) -> list[PlanGroup]:
    """The contract's plans with its prices, grouped by category (for choosing a plan)."""
    return _grouped(list(retained_plans(actor, contract)))


def options_for(actor: Actor, plan: TariffPlan | None = None, contract: Contract | None = None) -> list[OptionChoice]:
    """The contract's options with its prices, and whether each applies to `plan` if given."""
    return [
        OptionChoice(item, None if plan is None else option_applies(item.option, plan))
        for item in retained_options(actor, contract)
    ]


def contract_matrix(actor: Actor, contract: Contract) -> Matrix:
    """The F-72 table: options as rows, plans as columns, each cell a price or "not applicable"."""
    columns = list(retained_plans(actor, contract))
    rows = [
        MatrixRow(item, [item.monthly_price if option_applies(item.option, col.plan) else None for col in columns])
        for item in retained_options(actor, contract)
    ]
    return Matrix(contract=contract, groups=_grouped(columns), columns=columns, rows=rows)
