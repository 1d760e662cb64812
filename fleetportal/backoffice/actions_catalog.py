"""The catalogue a contract retains and its own prices (F-93, F-72): an operator admin lets a
contract retain a plan, option or group bundle offer at a price, changes that price, or
withdraws it. Every change is audited with the price before and after.

A withdrawal is refused while the contract's customer still uses the item (a live line on the
plan or with the option, a group bundle of the offer, even ended): the lines' prices come from
the contract."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from fleetportal.bundles.models import GroupBundle
from fleetportal.catalog.models import (
    ContractGroupBundle,
    ContractOption,
    ContractPlan,
    GroupBundleOffer,
    Option,
    TariffPlan,
)
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Contract
from fleetportal.fleet.models import Line, LineOption

from .actions import require_operator_admin

MAX_PRICE = Decimal("999999.99")  # the price columns' 8 digits, 2 after the point
LIVE = (Line.Status.PENDING, Line.Status.PORTING, Line.Status.ACTIVE, Line.Status.SUSPENDED)


@dataclass(frozen=True)
class Kind:
    """One kind of catalogue item: its table, the contract's table and the link between them."""

    code: str
    item: type[models.Model]
    retained: type[models.Model]
    link: str  # the retained row's field naming the item


KINDS = {
    kind.code: kind
    for kind in (
        Kind("plan", TariffPlan, ContractPlan, "plan"),
        Kind("option", Option, ContractOption, "option"),
        Kind("bundle", GroupBundleOffer, ContractGroupBundle, "offer"),
    )
}


def parse_price(text: str | Decimal) -> Decimal:
    """A monthly price as staff type it ("12.50", "12,50"): 0 to 999,999.99, at most 2 decimals."""
    try:
        price = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        price = Decimal("NaN")
    if not price.is_finite():
        raise ActionError(_("Enter the monthly price as a number, such as 12.50."), field="price")
    if price < 0 or price > MAX_PRICE:
        raise ActionError(_("The monthly price must be between 0 and 999,999.99."), field="price")
    if price != price.quantize(Decimal("0.01")):
        raise ActionError(_("The monthly price has at most two decimals."), field="price")
    return price.quantize(Decimal("0.01"))


def _kind_and_item(kind: str, code: str) -> tuple[Kind, models.Model]:
    found = KINDS.get(kind)
    if found is None:
        raise ActionError(_("Choose a plan, an option or a group bundle."), field="kind")
    item = found.item.objects.filter(code=code).first()  # type: ignore[attr-defined]
    if item is None:
        raise ActionError(_("This item is not in the catalogue."), field="code")
    return found, item


@transaction.atomic
def contract_price_set(*, actor: Actor, contract: Contract, kind: str, code: str, price: str | Decimal) -> Decimal:
    """Let the contract retain the item at `price`, or change the price it has."""
    require_operator_admin(actor)
    price = parse_price(price)
    found, item = _kind_and_item(kind, code)
    row = found.retained.objects.select_for_update().filter(contract=contract, **{found.link: item}).first()  # type: ignore[attr-defined]
    before = str(row.monthly_price) if row is not None else None
    if row is None:
        found.retained.objects.create(contract=contract, monthly_price=price, **{found.link: item})  # type: ignore[attr-defined]
    elif row.monthly_price != price:
        row.monthly_price = price
        row.save(update_fields=["monthly_price"])
    else:
        return price
    record(
        actor=actor,
        action="contract.price_set",
        customer=contract.customer,
        obj=contract,
        before={"kind": kind, "code": code, "price": before},
        after={"kind": kind, "code": code, "price": str(price)},
    )
    return price


@transaction.atomic
def contract_catalogue_retain(*, actor: Actor, contract: Contract) -> int:
    """Let the contract retain every plan, option and group bundle on sale that it does not
    retain yet, at list price (a new customer's start; prices are then changed one by one).
    What it retains keeps its price. Returns how many items were added."""
    require_operator_admin(actor)
    added = 0
    for kind in KINDS.values():
        items = kind.item.objects.all()  # type: ignore[attr-defined]
        if hasattr(kind.item, "active"):
            items = items.filter(active=True)
        have = set(kind.retained.objects.filter(contract=contract).values_list(f"{kind.link}_id", flat=True))  # type: ignore[attr-defined]
        new = [
            kind.retained(contract=contract, monthly_price=item.list_price, **{kind.link: item})
            for item in items
            if item.pk not in have
        ]
        kind.retained.objects.bulk_create(new)  # type: ignore[attr-defined]
        added += len(new)
    if added:
        record(
            actor=actor,
            action="contract.catalogue_retained",
            customer=contract.customer,
            obj=contract,
            after={"count": added},
        )
    return added


def _in_use(contract: Contract, row: models.Model) -> bool:
    lines = Line.objects.filter(billing_account__contract=contract, status__in=LIVE)
    if isinstance(row, ContractPlan):
        return lines.filter(plan_id=row.plan_id).exists()
    if isinstance(row, ContractOption):
        return LineOption.objects.filter(line__in=lines, option_id=row.option_id).exists()
    return GroupBundle.objects.filter(offer_id=row.pk).exists()  # its pools keep it, even ended ones


@transaction.atomic
def contract_item_withdraw(*, actor: Actor, contract: Contract, kind: str, code: str) -> None:
    """The contract no longer retains the item (new lines cannot choose it)."""
    require_operator_admin(actor)
    found, item = _kind_and_item(kind, code)
    row = found.retained.objects.select_for_update().filter(contract=contract, **{found.link: item}).first()  # type: ignore[attr-defined]
    if row is None:
        raise ActionError(_("The contract does not retain this item."), field="code")
    if _in_use(contract, row):
        raise ActionError(_("Lines or group bundles of this contract still use it."), field="code", code="conflict")
    before = str(row.monthly_price)
    row.delete()
    record(
        actor=actor,
        action="contract.item_withdrawn",
        customer=contract.customer,
        obj=contract,
        before={"kind": kind, "code": code, "price": before},
    )
