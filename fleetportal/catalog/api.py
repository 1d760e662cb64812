"""The catalogue as the caller's contract retained it, over the API (F-91, F-72): plans, options
with their applicability to a plan, group bundles and the plans × options matrix. Read only;
prices are the contract's own, as strings with two decimals. Scope `read`, `fleet` or `billing`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from fleetportal.core import scope
from fleetportal.core.actor import Actor
from fleetportal.core.api import ERROR_RESPONSES, api_actor
from fleetportal.core.errors import ActionError
from fleetportal.core.http import PortalRequest
from fleetportal.core.models import Contract

from . import policy, selectors
from .models import Bundle, ContractOption, ContractPlan, TariffPlan

router = Router(tags=["catalogue"])
Category = TariffPlan.Category


class BundleOut(Schema):
    data_mb: int | None = Field(description="Data included each month in MB; null means unlimited.")
    voice_minutes: int | None = Field(description="Minutes included each month; null means unlimited.")
    sms: int | None = Field(description="SMS included each month; null means unlimited.")

    @staticmethod
    def fields(item: Bundle) -> dict[str, int | None]:
        return {"data_mb": item.data_mb, "voice_minutes": item.voice_minutes, "sms": item.sms}


class PlanOut(BundleOut):
    code: str
    name: str
    category: Category
    monthly_price: Decimal = Field(description="The contract's monthly price in EUR, VAT excluded.")

    @staticmethod
    def of(retained: ContractPlan) -> PlanOut:
        plan = retained.plan
        return PlanOut(
            code=plan.code,
            name=plan.name,
            category=Category(plan.category),
            monthly_price=retained.monthly_price,
            **BundleOut.fields(plan),
        )


class OptionOut(BundleOut):
    code: str
    name: str
    monthly_price: Decimal = Field(description="The contract's monthly price in EUR, VAT excluded.")
    not_applicable_to: list[str] = Field(description="Codes of the plans this option cannot go with.")
    applicable: bool | None = Field(description="Whether it can go with the `plan` asked for; null if none asked.")

    @staticmethod
    def of(retained: ContractOption, applicable: bool | None) -> OptionOut:
        option = retained.option
        return OptionOut(
            code=option.code,
            name=option.name,
            monthly_price=retained.monthly_price,
            not_applicable_to=[plan.code for plan in option.excluded_plans.all()],
            applicable=applicable,
            **BundleOut.fields(option),
        )


class GroupBundleOut(BundleOut):
    code: str
    name: str
    monthly_price: Decimal


class ContractOut(Schema):
    number: str
    start_date: date


class MatrixRowOut(Schema):
    option: str = Field(description="The option's code.")
    name: str
    prices: dict[str, Decimal | None] = Field(
        description="Per plan code, the option's monthly price with that plan; null means not applicable."
    )


class MatrixOut(Schema):
    contract: str
    plans: list[PlanOut]
    options: list[MatrixRowOut]


class ContractFilter(Schema):
    contract: str | None = Field(
        None, max_length=40, description="A contract number of yours; by default your first contract."
    )


class OptionFilter(ContractFilter):
    plan: str | None = Field(None, max_length=40, description="A plan code: say for each option if it applies.")


READ = (scope.READ, *policy.RIGHTS)  # the key scopes that read contracts


def _contract(actor: Actor, number: str | None) -> Contract | None:
    return None if number is None else selectors.contract_for(actor, number)


@router.get(
    "/contracts",
    response={200: list[ContractOut], **ERROR_RESPONSES},
    operation_id="catalog_contracts",
    summary="List your contracts",
)
def contracts(request: PortalRequest) -> list[ContractOut]:
    actor = api_actor(request, *READ)
    return [ContractOut(number=c.number, start_date=c.start_date) for c in selectors.contracts_for(actor)]


@router.get(
    "/plans",
    response={200: list[PlanOut], **ERROR_RESPONSES},
    operation_id="catalog_plans",
    summary="List the contract's tariff plans",
)
def plans(request: PortalRequest, filters: Query[ContractFilter]) -> list[PlanOut]:
    """The tariff plans your contract retained, mobile subscriptions first, with its prices."""
    actor = api_actor(request, *READ)
    return [PlanOut.of(item) for item in selectors.retained_plans(actor, _contract(actor, filters.contract))]


@router.get(
    "/options",
    response={200: list[OptionOut], **ERROR_RESPONSES},
    operation_id="catalog_options",
    summary="List the contract's options",
)
def options(request: PortalRequest, filters: Query[OptionFilter]) -> list[OptionOut]:
    """The options your contract retained; with `plan`, whether each can go with that plan."""
    actor = api_actor(request, *READ)
    contract = _contract(actor, filters.contract)
    plan = None
    if filters.plan is not None:
        retained = selectors.retained_plans(actor, contract).filter(plan__code=filters.plan).first()
        if retained is None:
            raise ActionError(_("Your contract has no tariff plan with this code."), field="plan", code="unknown_plan")
        plan = retained.plan
    return [OptionOut.of(choice.retained, choice.applicable) for choice in selectors.options_for(actor, plan, contract)]


@router.get(
    "/group-bundles",
    response={200: list[GroupBundleOut], **ERROR_RESPONSES},
    operation_id="catalog_group_bundles",
    summary="List the contract's group bundles",
)
def group_bundles(request: PortalRequest, filters: Query[ContractFilter]) -> list[GroupBundleOut]:
    actor = api_actor(request, *READ)
    return [
        GroupBundleOut(
            code=item.offer.code, name=item.offer.name, monthly_price=item.monthly_price, **BundleOut.fields(item.offer)
        )
        for item in selectors.group_bundles_for(actor, _contract(actor, filters.contract))
    ]


@router.get(
    "/contracts/{number}/matrix",
    response={200: MatrixOut, **ERROR_RESPONSES},
    operation_id="catalog_matrix",
    summary="The contract's plans × options matrix",
)
def matrix(request: PortalRequest, number: str) -> MatrixOut:
    """Each option's price with each plan of the contract, null where the option is not applicable."""
    actor = api_actor(request, *READ)
    table = selectors.contract_matrix(actor, selectors.contract_for(actor, number))
    codes = [column.plan.code for column in table.columns]
    return MatrixOut(
        contract=table.contract.number,
        plans=[PlanOut.of(column) for column in table.columns],
        options=[
            MatrixRowOut(
                option=row.retained.option.code,
                name=row.retained.option.name,
                prices=dict(zip(codes, row.cells, strict=True)),
            )
            for row in table.rows
        ],
    )
