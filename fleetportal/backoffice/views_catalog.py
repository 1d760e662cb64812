"""The operator's catalogue and each contract's retained items with their own prices (F-93,
F-72). Staff read; an operator admin edits the contract and sets or withdraws prices
(`actions_catalog`), every change audited."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fleetportal.accounts.decorators import staff_required
from fleetportal.catalog.models import GroupBundleOffer, Option, TariffPlan
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.models import Contract
from fleetportal.core.views import form_error

from . import selectors
from .actions import ContractChange, contract_update
from .actions_catalog import KINDS, contract_catalogue_retain, contract_item_withdraw, contract_price_set
from .forms import ContractEditForm, PriceForm
from .pages import refused


@dataclass
class Row:
    """One catalogue item on a contract's page: its list price and the contract's, if retained."""

    kind: str
    code: str
    name: str
    list_price: Decimal
    price: Decimal | None
    form: PriceForm


def _catalogue() -> dict[str, list[Any]]:
    return {
        "plan": list(TariffPlan.objects.order_by("category", "sort_order", "name")),
        "option": list(Option.objects.order_by("sort_order", "name")),
        "bundle": list(GroupBundleOffer.objects.order_by("list_price", "name")),
    }


@staff_required
@require_GET
def catalogue(request: LoggedInRequest) -> HttpResponse:
    """The operator's plans, options and group bundle offers at their list prices."""
    return render(request, "backoffice/catalogue.html", {"catalogue": _catalogue()})


def _rows(contract: Contract, failed: PriceForm | None) -> dict[str, list[Row]]:
    retained: dict[str, dict[int, Decimal]] = {
        code: dict(kind.retained.objects.filter(contract=contract).values_list(f"{kind.link}_id", "monthly_price"))  # type: ignore[attr-defined]
        for code, kind in KINDS.items()
    }
    rows: dict[str, list[Row]] = {}
    for kind, items in _catalogue().items():
        rows[kind] = []
        for item in items:
            price = retained[kind].get(item.pk)
            is_failed = failed is not None and failed.data.get("kind") == kind and failed.data.get("code") == item.code
            form = (
                failed
                if is_failed and failed is not None
                else PriceForm(
                    initial={"kind": kind, "code": item.code, "price": price if price is not None else item.list_price},
                    auto_id=f"id_{kind}_{item.code}_%s",
                )
            )
            rows[kind].append(Row(kind, item.code, item.name, item.list_price, price, form))
    return rows


def contract_page(request: LoggedInRequest, contract: Contract, **forms: Any) -> HttpResponse:
    context = {
        "contract": contract,
        "customer": contract.customer,
        "admin": request.actor.is_operator_admin,
        "contract_form": forms.get("contract_form") or ContractEditForm.of(contract),
        "rows": _rows(contract, forms.get("price_form")),
    }
    return render(request, "backoffice/contract.html", context)


@staff_required
@require_GET
def contract_detail(request: LoggedInRequest, number: str) -> HttpResponse:
    return contract_page(request, selectors.staff_contract_for(request.actor, number))


@require_POST
@staff_required
def contract_edit(request: LoggedInRequest, number: str) -> HttpResponse:
    contract = selectors.staff_contract_for(request.actor, number)
    form = ContractEditForm(request.POST)
    if form.is_valid():
        change = ContractChange(**{f.name: form.cleaned_data[f.name] for f in fields(ContractChange)})
        try:
            contract_update(actor=request.actor, contract=contract, change=change)
        except PermissionDeniedError as exc:
            return refused(request, exc)
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The contract was saved."))
            return redirect("staff_contract", number=number)
    return contract_page(request, contract, contract_form=form)


@require_POST
@staff_required
def contract_price(request: LoggedInRequest, number: str) -> HttpResponse:
    """Set an item's price for the contract (retaining it if it was not), or withdraw it."""
    contract = selectors.staff_contract_for(request.actor, number)
    form = PriceForm(request.POST, auto_id=f"id_{request.POST.get('kind')}_{request.POST.get('code')}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if "withdraw" in request.POST:
                contract_item_withdraw(actor=request.actor, contract=contract, kind=data["kind"], code=data["code"])
                messages.success(request, _("The contract no longer offers %(code)s.") % {"code": data["code"]})
            else:
                price = contract_price_set(
                    actor=request.actor, contract=contract, kind=data["kind"], code=data["code"], price=data["price"]
                )
                messages.success(
                    request, _("%(code)s now costs %(price)s a month.") % {"code": data["code"], "price": price}
                )
        except PermissionDeniedError as exc:
            return refused(request, exc)
        except ActionError as exc:
            form.add_error("price", str(exc.message))  # kind and code are hidden: the row shows it
        else:
            return redirect("staff_contract", number=number)
    return contract_page(request, contract, price_form=form)


@require_POST
@staff_required
def contract_retain_all(request: LoggedInRequest, number: str) -> HttpResponse:
    contract = selectors.staff_contract_for(request.actor, number)
    try:
        added = contract_catalogue_retain(actor=request.actor, contract=contract)
    except PermissionDeniedError as exc:
        return refused(request, exc)
    messages.success(request, _("%(count)s items were retained at list price.") % {"count": added})
    return redirect("staff_contract", number=number)
