"""The contract page (F-72): the plans × options matrix a contract retained, its group bundles
and its MSA. For managers of the customer with the fleet or billing function, and staff."""

from __future__ import annotations

from io import BytesIO
from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fleetportal.core.actor import Actor
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.models import Contract

from . import selectors
from .msa import msa_pdf

TABS = ("plans", "bundles")


def _readable_contract(actor: Actor, number: str | None) -> Contract:
    """403 for who may not read contracts at all, 404 for a contract not theirs (staff open one
    by its number, from the customer's page)."""
    if not selectors.may_read_contracts(actor):
        raise PermissionDenied
    return selectors.readable_contract(actor, number)


@require_GET
@login_required
def contract_detail(request: LoggedInRequest, number: str | None = None) -> HttpResponse:
    actor = request.actor
    contract = _readable_contract(actor, number)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else TABS[0]
    context = {
        "contract": contract,
        "contracts": selectors.contracts_for(actor).filter(customer=contract.customer),
        "tab": tab,
        "matrix": selectors.contract_matrix(actor, contract) if tab == "plans" else None,
        "bundles": selectors.group_bundles_for(actor, contract) if tab == "bundles" else None,
    }
    return render(request, "catalog/contract_detail.html", context)


@require_GET
@login_required
def contract_msa(request: LoggedInRequest, number: str) -> FileResponse:
    """The uploaded (signed) MSA if there is one, else one generated from the contract's data."""
    actor = request.actor
    contract = _readable_contract(actor, number)
    if contract.msa_document:
        try:
            document = contract.msa_document.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        filename = PurePath(contract.msa_document.name).name
    else:
        document = BytesIO(msa_pdf(actor, contract))
        filename = f"MSA-{contract.number}.pdf"
    response = FileResponse(document, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
