"""Races on PostgreSQL (QUALITY S14): staff and the courier job delivering one order at the same
moment, each on its own connection, put its cards in stock once: the order's row lock lets one
through and the others find it delivered."""

from __future__ import annotations

import pytest

from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.models import SimCard
from fleetportal.payments.tests.test_races import THREADS, at_once
from fleetportal.simorders import actions
from fleetportal.simorders.models import SimOrder
from fleetportal.simorders.tasks import COURIER

from .conftest import order_fields

pytestmark = [
    pytest.mark.spec("F-71", "S14"),
    pytest.mark.django_db(transaction=True),
]


def test_deliveries_at_once_stock_the_cards_once(manager, actor_for) -> None:
    order = actions.sim_order_create(actor=actor_for(manager), **order_fields(quantity=50))

    results, errors = at_once(lambda: actions.sim_order_deliver(actor=COURIER, order=SimOrder.objects.get()))

    assert len(results) == 1 and len(errors) == THREADS - 1
    assert all(isinstance(error, ActionError) and error.code == "conflict" for error in errors)
    assert SimCard.objects.filter(customer=order.customer).count() == 50 == order.cards.count()
    assert AuditEvent.objects.filter(action="sim_order.delivered").count() == 1
