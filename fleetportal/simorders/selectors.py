"""Reading blank SIM orders, always from `scope` (a foreign id is a 404), and what the order
form starts from."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from fleetportal.core.actor import Actor
from fleetportal.core.scope import scope
from fleetportal.fleet.models import SimCard

from .models import SimOrder
from .rules import ADDRESS_FIELDS


def orders_for(actor: Actor, *, status: str = "") -> QuerySet[SimOrder]:
    """The orders the actor sees, newest first; staff see every customer's."""
    orders = scope(actor, SimOrder).select_related("customer")
    if status:
        orders = orders.filter(status=status)
    return orders.annotate(card_count=Count("cards")).order_by("-ordered_at", "-id")


def order_for(actor: Actor, order_id: int) -> SimOrder:
    return get_object_or_404(orders_for(actor), pk=order_id)


def cards_of(order: SimOrder) -> QuerySet[SimCard]:
    """The cards the order's delivery put in stock, with what became of each."""
    return order.cards.order_by("iccid")


def address_initial(actor: Actor) -> dict[str, str]:
    """The order form's delivery address: the customer's last order's, else its country."""
    last = scope(actor, SimOrder).order_by("-ordered_at", "-id").first()
    if last is not None:
        return {name: getattr(last, name) for name in ADDRESS_FIELDS}
    customer = actor.customer
    country = customer.country if customer is not None else ""
    return {"country": country} if country in SimOrder.Country.values else {}
