"""Demo blank SIM orders (issue 9 "Demo"), made through the order and fulfilment actions so
their audit rows, events and e-mail are what the portal itself writes: Globex's delivered order
(its 10 cards in Globex's stock) and Acme's order on its way (shipped, expected in 2 business
days). Idempotent: a customer with orders is left as it is."""

from __future__ import annotations

from django.db import transaction

from fleetportal.accounts.models import Membership, User
from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel

from . import actions
from .models import SimOrder


def _actor(email: str) -> Actor:
    user = User.objects.get(email=email)
    membership = Membership.objects.filter(user=user).select_related("customer").first()
    functions = frozenset(membership.functions if membership else ())
    channel = Channel.STAFF if user.is_staff else Channel.WEB
    return Actor(user=user, channel=channel, membership=membership, functions=functions)


ORDERS = [
    # (orderer, fields, how far the operator took it)
    (
        "admin@globex.example",
        {"quantity": 10, "kind": "physical", "country": "HU", "postal_code": "1061", "locality": "Budapest",
         "street": "Andrássy út", "number": "1", "message": "Recepció, 2. emelet."},
        SimOrder.Status.DELIVERED,
    ),
    (
        "manager@acme.example",
        {"quantity": 20, "kind": "esim", "country": "BE", "postal_code": "1000", "locality": "Brussel",
         "street": "Kunstlaan", "number": "1", "box": "4", "message": "Onthaal, vraag naar Marc."},
        SimOrder.Status.SHIPPED,
    ),
]  # fmt: skip


@transaction.atomic
def load_sim_orders(staff_email: str = "staff@operator.example") -> int:
    """The demo orders; how many were made (their customers' existing orders are kept)."""
    staff = _actor(staff_email)
    made = 0
    for email, fields, status in ORDERS:
        orderer = _actor(email)
        if SimOrder.objects.filter(customer=orderer.customer).exists():
            continue
        order = actions.sim_order_create(actor=orderer, **fields)
        if status in (SimOrder.Status.SHIPPED, SimOrder.Status.DELIVERED):
            order = actions.sim_order_ship(actor=staff, order=order)
        if status == SimOrder.Status.DELIVERED:
            actions.sim_order_deliver(actor=staff, order=order)
        made += 1
    return made
