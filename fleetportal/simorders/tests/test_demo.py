"""The demo's blank SIM orders (issue 9 "Demo"): a delivered one whose cards are in its
customer's stock, one on its way; loading again adds none."""

from __future__ import annotations

import pytest

from fleetportal.demo import data as demo
from fleetportal.fleet.iccid import is_valid_iccid
from fleetportal.simorders.demo import load_sim_orders
from fleetportal.simorders.models import SimOrder

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-71")]


def test_the_demo_has_a_delivered_and_an_in_transit_order() -> None:
    demo.load()
    delivered = SimOrder.objects.get(customer__login_domain="globex")
    assert delivered.status == "delivered" and delivered.cards.count() == 10
    cards = delivered.cards.all()
    assert all(is_valid_iccid(card.iccid) and card.customer_id == delivered.customer_id for card in cards)
    in_transit = SimOrder.objects.get(customer__login_domain="acme")
    assert in_transit.status == "shipped" and not in_transit.cards.exists()
    assert load_sim_orders() == 0 and SimOrder.objects.count() == 2
