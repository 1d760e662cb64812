"""The blank SIM order API (F-71, F-91): order, list and get orders. The same action as the
order page, so the same rules and messages: a refused field answers 422 naming it (e.g.
`quantity` for 15 cards). Scope `fleet` orders; `read` or `fleet` reads. Fulfilment (shipped,
delivered) is the operator's: it shows here as the order's status and, once delivered, its cards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from fleetportal.accounts.models import ApiKey
from fleetportal.core.api import ERROR_RESPONSES, Page, PageQuery, api_actor, refused_fields_as_invalid
from fleetportal.core.http import PortalRequest
from fleetportal.fleet.actions.common import max_length

from . import actions, selectors
from .models import SimOrder

router = Router(tags=["blank SIM orders"])

READ = (ApiKey.Scope.READ, ApiKey.Scope.FLEET)
WRITE = (ApiKey.Scope.FLEET,)


def _text(name: str, *default: str) -> Any:
    """A text field of the body, as long as the model's (`default` given: optional)."""
    return Field(*default, max_length=max_length(SimOrder, name))


class CardOut(Schema):
    iccid: str
    kind: str
    status: str  # blank while in stock, in_use once a line took it


class OrderOut(Schema):
    id: int
    status: str  # ordered, shipped, delivered
    quantity: int
    kind: str  # physical or esim
    country: str
    postal_code: str
    locality: str
    street: str
    number: str
    suffix: str
    box: str
    message: str
    ordered_at: dt.datetime
    ships_on: dt.date
    expected_on: dt.date  # the expected delivery date (2 business days in the delivery country)
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    cards: list[CardOut]  # the delivered blank cards, now in your stock

    @staticmethod
    def of(order: SimOrder) -> OrderOut:
        cards = [CardOut(iccid=c.iccid, kind=c.kind, status=c.status) for c in order.cards.all()]
        fields = {name: getattr(order, name) for name in OrderOut.model_fields if name not in ("id", "cards")}
        return OrderOut(id=order.pk, cards=cards, **fields)


class OrderPage(Page[OrderOut]):
    pass


class OrderQuery(PageQuery):
    status: str = Field("", max_length=10, description="ordered, shipped or delivered; empty: all")


class OrderIn(Schema):
    quantity: int = Field(description="In multiples of 10, from 10 to 1000")
    kind: str = Field("physical", max_length=10, description="physical or esim")
    country: str = Field(max_length=2, description="BE or HU")
    postal_code: str = _text("postal_code")
    locality: str = _text("locality")
    street: str = _text("street")
    number: str = _text("number")
    suffix: str = _text("suffix", "")
    box: str = _text("box", "")
    message: str = _text("message", "")


@router.get("/sim-orders", response={200: OrderPage, **ERROR_RESPONSES}, operation_id="sim_orders_list")
def sim_orders_list(request: PortalRequest, query: Query[OrderQuery]) -> OrderPage:
    """Your blank SIM orders, newest first."""
    orders = selectors.orders_for(api_actor(request, *READ), status=query.status).prefetch_related("cards")
    return OrderPage.of(orders, query, OrderOut.of)


@router.get("/sim-orders/{int:order_id}", response={200: OrderOut, **ERROR_RESPONSES}, operation_id="sim_order_get")
def sim_order_get(request: PortalRequest, order_id: int) -> OrderOut:
    return OrderOut.of(selectors.order_for(api_actor(request, *READ), order_id))


@router.post("/sim-orders", response={201: OrderOut, **ERROR_RESPONSES}, operation_id="sim_order_create")
def sim_order_create(request: PortalRequest, payload: OrderIn) -> Status[OrderOut]:
    """Order blank SIM cards, delivered within 2 business days; once delivered they are in your
    stock for new lines (`cards`)."""
    actor = api_actor(request, *WRITE)
    with refused_fields_as_invalid():
        order = actions.sim_order_create(actor=actor, **payload.dict())
    return Status(201, OrderOut.of(selectors.order_for(actor, order.pk)))
