"""The back office API for the operator's own integrations (F-93, F-91): customers (list,
create, get), a number range into the pool, a batch of SIM cards into the stock.

Authentication: a staff API key (`Authorization: Bearer fps_…`, made by an operator admin on
/staff/api-keys/) acting as its staff login, or a staff member's logged-in session. A
customer's key is no key here (401); a login that is not staff gets a 403. Reading needs any
staff role, the changes an operator admin (the same actions as the pages: same rules, same
audit, a refused field answers 422 naming it)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fleetportal.accounts.api_auth import PortalSessionAuth
from fleetportal.accounts.staff_keys import StaffKeyAuth
from fleetportal.core.actor import Actor
from fleetportal.core.api import ERROR_RESPONSES, Page, PageQuery, refused_fields_as_invalid
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.http import PortalRequest
from fleetportal.core.models import Customer
from fleetportal.core.phones import InvalidNumber, parse_mobile

from . import selectors
from .actions import NewCustomer, customer_onboard
from .actions_stock import pool_import_range, sim_stock_import

router = Router(tags=["back office"], auth=[StaffKeyAuth(), PortalSessionAuth()])
RESPONSES = {**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]}
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _staff(request: PortalRequest) -> Actor:
    actor = request.actor
    if not actor.is_staff:
        raise PermissionDeniedError(_("Only the operator's staff may use the back office API."))
    return actor


class CustomerOut(Schema):
    id: int
    name: str
    vat_number: str
    language: str
    country: str
    login_domain: str
    suspended: bool
    contracts: list[str]
    created_at: dt.datetime

    @staticmethod
    def of(customer: Customer) -> CustomerOut:
        return CustomerOut(
            id=customer.pk,
            name=customer.name,
            vat_number=customer.vat_number,
            language=customer.language,
            country=customer.country,
            login_domain=customer.login_domain,
            suspended=bool(getattr(customer, "suspended", False)),
            contracts=[contract.number for contract in customer.contracts.all()],
            created_at=customer.created_at,
        )


class CustomerPage(Page[CustomerOut]):
    pass


class CustomerQuery(PageQuery):
    q: str = Field("", max_length=100, description="Name, VAT number, login domain or contract number")
    status: str = Field("", pattern="^(|active|suspended)$")
    country: str = Field("", max_length=2)


class CustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    vat_number: str = Field(..., pattern=r"^[A-Z]{2}[0-9A-Z]{8,12}$")
    language: str = Field("nl", pattern="^(nl|fr|en|hu|de)$")
    country: str = Field("BE", max_length=2)
    login_domain: str = Field(..., pattern=r"^[-a-zA-Z0-9_]{1,60}$")
    contract_number: str = Field(..., min_length=1, max_length=40)
    contract_start: dt.date
    currency: str = Field("EUR", max_length=3)
    contract_email: str = Field(..., max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    contract_mobile: str = Field(..., max_length=32)
    billing_account: str = Field(..., pattern=r"^\d{6,12}$")


class RangeIn(Schema):
    first: str = Field(..., max_length=20, examples=["+32470000000"])
    last: str = Field(..., max_length=20, examples=["+32470000999"])


class RangeOut(Schema):
    created: int
    skipped: int  # already in the pool or on a line


class SimBatchIn(Schema):
    customer_id: Id | None = Field(None, description="null: the operator's shared stock")
    csv: str = Field(..., max_length=2 * 1024 * 1024, description="iccid,imsi,pin,puk[,kind] with a header line")


class SimBatchOut(Schema):
    imported: int


@router.get("/staff/customers", response={200: CustomerPage, **RESPONSES})
def list_customers(request: PortalRequest, query: Query[CustomerQuery]) -> CustomerPage:
    actor = _staff(request)
    rows = selectors.customers_for(actor, search=query.q, status=query.status, country=query.country.upper())
    return CustomerPage.of(rows.prefetch_related("contracts"), query, CustomerOut.of)


@router.get("/staff/customers/{customer_id}", response={200: CustomerOut, **RESPONSES})
def get_customer(request: PortalRequest, customer_id: Id) -> CustomerOut:
    actor = _staff(request)
    customer = selectors.customers_for(actor).prefetch_related("contracts").filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    return CustomerOut.of(customer)


@router.post("/staff/customers", response={201: CustomerOut, **RESPONSES})
def create_customer(request: PortalRequest, payload: CustomerIn) -> Status[CustomerOut]:
    """Create a customer with its contract and first billing account; the contract holder gets
    the e-mail to create the login (F-04)."""
    actor = _staff(request)
    data = payload.dict()
    with refused_fields_as_invalid():
        try:
            data["contract_mobile"] = parse_mobile(data["contract_mobile"])
        except InvalidNumber as exc:
            raise ActionError(InvalidNumber.message, field="contract_mobile") from exc
        customer = customer_onboard(actor=actor, new=NewCustomer(**data))
    return Status(201, CustomerOut.of(selectors.customers_for(actor).get(pk=customer.pk)))


@router.post("/staff/numbers/import", response={200: RangeOut, **RESPONSES})
def import_numbers(request: PortalRequest, payload: RangeIn) -> RangeOut:
    """Add first..last (at most 100,000 numbers) to the pool; numbers there already are counted."""
    actor = _staff(request)
    with refused_fields_as_invalid():
        result = pool_import_range(actor=actor, first=payload.first, last=payload.last)
    return RangeOut(created=result.created, skipped=result.skipped)


@router.post("/staff/sim-cards/import", response={200: SimBatchOut, **RESPONSES})
def import_sim_cards(request: PortalRequest, payload: SimBatchIn) -> SimBatchOut:
    """A supplier's batch, all or nothing: a refused row answers 422 naming each bad row."""
    actor = _staff(request)
    customer = None
    if payload.customer_id is not None:
        customer = selectors.customers_for(actor).filter(pk=payload.customer_id).first()
        if customer is None:
            with refused_fields_as_invalid():
                raise ActionError(_("There is no such customer."), field="customer_id")
    with refused_fields_as_invalid():
        count = sim_stock_import(actor=actor, content=payload.csv.encode(), customer=customer)
    return SimBatchOut(imported=count)
