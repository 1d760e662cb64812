"""The blank SIM order API (F-71, F-91): order, list, get, through the page's action: the same
refusals (422 naming the field, nothing ordered), scopes (`fleet` orders, `read` reads, others
403), another customer's order 404."""

from __future__ import annotations

import pytest

from fleetportal.core.models import AuditEvent
from fleetportal.simorders import actions
from fleetportal.simorders.models import SimOrder
from fleetportal.tests.api_client import ApiClient

from .conftest import order_fields

pytestmark = pytest.mark.spec("F-71", "F-91", "S2")


@pytest.fixture
def fleet_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("fleet",))[1])


@pytest.fixture
def read_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read",))[1])


def test_order_list_and_get(fleet_client, read_client, staff, actor_for) -> None:
    response = fleet_client.send("POST", "/api/v1/sim-orders", order_fields(quantity=40, kind="esim", box="3"))
    assert response.status_code == 201, response.content
    body = response.json()
    order = SimOrder.objects.get()
    assert body["id"] == order.pk and body["status"] == "ordered" and body["quantity"] == 40 and body["box"] == "3"
    assert body["expected_on"] == order.expected_on.isoformat() and body["cards"] == []
    assert AuditEvent.objects.get(action="sim_order.created").channel == "api"

    actions.sim_order_deliver(actor=actor_for(staff), order=order)
    listed = read_client.get("/api/v1/sim-orders?status=delivered").json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "delivered"
    got = read_client.get(f"/api/v1/sim-orders/{order.pk}").json()
    assert sorted(card["iccid"] for card in got["cards"]) == sorted(order.cards.values_list("iccid", flat=True))
    assert {card["status"] for card in got["cards"]} == {"blank"} and len(got["cards"]) == 40
    assert read_client.get("/api/v1/sim-orders?status=ordered").json()["count"] == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 15}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": 2000}, "quantity"),
        ({"postal_code": ""}, "postal_code"),
        ({"country": "FR"}, "country"),
        ({"kind": "nano"}, "kind"),
        ({"street": "x" * 201}, "street"),
    ],
)
def test_bad_input_answers_422_naming_the_field_and_orders_nothing(fleet_client, changes, field) -> None:
    response = fleet_client.send("POST", "/api/v1/sim-orders", order_fields(**changes))
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not SimOrder.objects.exists()


def test_fifteen_cards_get_the_pages_message(fleet_client) -> None:
    response = fleet_client.send("POST", "/api/v1/sim-orders", order_fields(quantity=15))
    body = response.json()
    assert body["errors"] == [
        {"field": "quantity", "message": "Order blank SIM cards in multiples of 10.", "code": "value_error"}
    ]


def test_scopes_and_other_customers(read_client, new_key, holder, other_holder, manager, actor_for) -> None:
    order = actions.sim_order_create(actor=actor_for(manager), **order_fields())
    assert read_client.send("POST", "/api/v1/sim-orders", order_fields()).status_code == 403
    users_only = ApiClient(new_key(holder, scopes=("users",))[1])
    assert users_only.get("/api/v1/sim-orders").status_code == 403
    assert users_only.get(f"/api/v1/sim-orders/{order.pk}").status_code == 403
    other = ApiClient(new_key(other_holder, scopes=("read", "fleet"))[1])
    assert other.get(f"/api/v1/sim-orders/{order.pk}").status_code == 404
    assert other.get("/api/v1/sim-orders").json()["count"] == 0
    assert SimOrder.objects.count() == 1
