"""The order pages (F-71): who opens them (a manager with the fleet right; others 403, another
customer's order 404), the form's refusals naming the field with nothing ordered, and staff
marking an order delivered, after which its page lists the cards."""

from __future__ import annotations

import pytest
from django.test import Client

from fleetportal.simorders import actions
from fleetportal.simorders.models import SimOrder

from .conftest import order_fields

pytestmark = pytest.mark.spec("F-71", "S2")


@pytest.fixture
def order(manager, actor_for) -> SimOrder:
    return actions.sim_order_create(actor=actor_for(manager), **order_fields())


ROLES = ["manager", "holder", "billing_manager", "member", "staff"]
MATRIX = {
    "/orders/": [200, 200, 403, 403, 403],
    "/orders/new/": [200, 200, 403, 403, 403],
    "/orders/{id}/": [200, 200, 403, 403, 200],  # staff ship to the order's address
    "/orders/staff/": [403, 403, 403, 403, 200],
}
CASES = [(path, role, status) for path, row in MATRIX.items() for role, status in zip(ROLES, row, strict=True)]


@pytest.mark.parametrize(("path", "role", "status"), CASES)
def test_role_matrix_of_the_pages(client, login, request, order, path, role, status) -> None:
    login(client, request.getfixturevalue(role))
    assert client.get(path.format(id=order.pk)).status_code == status


def test_another_customers_order_is_not_found(client, login, order, other_holder) -> None:
    login(client, other_holder)
    assert client.get(f"/orders/{order.pk}/").status_code == 404
    assert client.get("/orders/").status_code == 200
    assert f"#{order.pk}" not in client.get("/orders/").content.decode()


def test_a_manager_cannot_mark_an_order_delivered(client, login, order, manager) -> None:
    login(client, manager)
    assert client.post(f"/orders/staff/{order.pk}/advance/", {"step": "deliver"}).status_code == 403
    order.refresh_from_db()
    assert order.status == "ordered"


def test_the_dashboard_offers_the_order_to_fleet_managers(client, login, manager, billing_manager) -> None:
    login(client, manager)
    assert "Order blank SIM cards" in client.get("/dashboard/").content.decode()
    client.logout()
    login(client, billing_manager)
    assert "Order blank SIM cards" not in client.get("/dashboard/").content.decode()


def test_the_form_starts_from_the_customers_country(client, login, manager) -> None:
    login(client, manager)
    page = client.get("/orders/new/").content.decode()
    assert '<option value="BE" selected>' in page and 'name="postal_code"' in page and 'name="box"' in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quantity": "15"}, "quantity", "Order blank SIM cards in multiples of 10."),
        ({"quantity": "abc"}, "quantity", "Enter the number of SIM cards as a whole number."),
        ({"postal_code": ""}, "postal_code", "Enter the postal code."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_ordered(client, login, manager, changes, field, message):
    login(client, manager)
    response = client.post("/orders/new/", order_fields(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert not SimOrder.objects.exists()


def test_order_then_staff_delivers_and_the_page_lists_the_cards(client, login, manager, staff) -> None:
    login(client, manager)
    response = client.post("/orders/new/", order_fields(quantity="20", message="Ask for Els"))
    order = SimOrder.objects.get()
    assert response.status_code == 302 and response.url == f"/orders/{order.pk}/"
    page = client.get(response.url).content.decode()
    assert order.expected_on.strftime("%d/%m/%Y") in page and "Katwilgweg 2" in page and "Ask for Els" in page

    desk = Client()
    login(desk, staff)
    assert f"#{order.pk}" in desk.get("/orders/staff/?status=ordered").content.decode()
    assert desk.post(f"/orders/staff/{order.pk}/advance/", {"step": "ship"}).status_code == 302
    assert desk.post(f"/orders/staff/{order.pk}/advance/", {"step": "deliver"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "delivered"

    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert all(card.iccid in page for card in order.cards.all())
    assert "Delivered" in page
