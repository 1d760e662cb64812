"""The group bundles API (F-50, F-51, F-91): the same actions and refusals as the pages, each a
422 naming its field; another customer's pool is a 404, its line a refusal on `lines`."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.bundles import actions
from fleetportal.bundles.models import GroupBundle, GroupBundleMember
from fleetportal.catalog.demo import retain_for
from fleetportal.conftest import make_actor
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.tests.api_client import ApiClient

pytestmark = [pytest.mark.spec("F-50", "F-51", "F-91"), pytest.mark.django_db]
API = "/api/v1/group-bundles"


@pytest.fixture
def fleet_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read", "fleet"))[1])


@pytest.fixture
def read_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read",))[1])


def test_order_add_list_change_remove_end(fleet_client, lines, catalogue) -> None:
    ordered = fleet_client.send(
        "post", API, {"offer": "group-data-50gb", "name": "Sales", "out_of_bundle_notify_at": 30}
    )
    assert ordered.status_code == 201, ordered.content
    pool = ordered.json()
    assert (pool["offer"], pool["data_mb"], pool["members"], pool["contract"]) == (
        "group-data-50gb",
        51200,
        0,
        catalogue.number,
    )
    added = fleet_client.send("post", f"{API}/{pool['id']}/members", {"line_ids": [lines[0].pk, lines[1].pk]})
    assert added.status_code == 200 and added.json()["pool"]["members"] == 2
    listed = fleet_client.get(API).json()
    assert listed["count"] == 1 and listed["items"][0]["members"] == 2
    members = fleet_client.get(f"{API}/{pool['id']}/members").json()["items"]
    assert [item["msisdn"] for item in members] == ["+32470200001", "+32470200002"]
    changed = fleet_client.send(
        "patch", f"{API}/{pool['id']}", {"version": pool["version"], "offer": "group-data-200gb", "name": "Sales BE"}
    )
    assert changed.status_code == 200 and changed.json()["out_of_bundle_notify_at"] == "30.00"
    assert changed.json()["offer"] == "group-data-200gb"
    stale = fleet_client.send("patch", f"{API}/{pool['id']}", {"version": pool["version"], "name": "Late"})
    assert stale.status_code == 409
    removed = fleet_client.send("post", f"{API}/{pool['id']}/members/remove", {"line_ids": [lines[0].pk]})
    assert removed.json()["lines"] == [lines[0].pk]
    history = fleet_client.get(f"{API}/{pool['id']}/members", {"history": "true"}).json()["items"]
    assert len(history) == 2 and sum(item["left_at"] is not None for item in history) == 1
    ended = fleet_client.send("post", f"{API}/{pool['id']}/end", {})
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None and ended.json()["members"] == 0


def test_a_line_of_another_contract_is_refused_on_lines(fleet_client, pool, lines, second_contract) -> None:
    made = pool()
    _contract, elsewhere = second_contract
    response = fleet_client.send("post", f"{API}/{made.pk}/members", {"line_ids": [lines[0].pk, elsewhere.pk]})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["field"] == "lines" and "+32 470 20 99 99" in body["detail"] and body["code"] == "validation_error"
    assert not GroupBundleMember.objects.exists()


def test_another_customers_line_or_pool(fleet_client, pool, lines, other_customer, other_holder) -> None:
    foreign_line = LineFactory.create(customer=other_customer, msisdn="+36301234567")
    made = pool()
    response = fleet_client.send("post", f"{API}/{made.pk}/members", {"line_ids": [foreign_line.pk]})
    assert response.status_code == 422 and response.json()["field"] == "lines"
    foreign_contract = other_customer.contracts.get()
    retain_for(foreign_contract)
    theirs = actions.pool_order(
        actor=make_actor(other_holder),
        contract=foreign_contract,
        offer=foreign_contract.group_bundles.first(),
        name="Globex",
    )
    assert fleet_client.get(f"{API}/{theirs.pk}").status_code == 404
    assert fleet_client.send("post", f"{API}/{theirs.pk}/members", {"line_ids": [lines[0].pk]}).status_code == 404
    assert [item["id"] for item in fleet_client.get(API).json()["items"]] == [made.pk]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"offer": "no-such-offer", "name": "P"}, 422, "offer"),
        ({"offer": "group-data-50gb", "name": " "}, 422, "name"),
        ({"offer": "group-data-50gb", "name": "P", "out_of_bundle_notify_at": -5}, 422, "out_of_bundle_notify_at"),
        ({"offer": "group-data-50gb", "name": "P", "out_of_bundle_notify_at": "lots"}, 422, "out_of_bundle_notify_at"),
        ({"offer": "group-data-50gb"}, 422, "name"),
        ({"offer": "group-data-50gb", "name": "P", "out_of_bundle_notify_at": [1]}, 422, "out_of_bundle_notify_at"),
    ],
)
def test_bad_orders_name_the_field(fleet_client, catalogue, body, status, field) -> None:
    response = fleet_client.send("post", API, body)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert not GroupBundle.objects.exists()


def test_bad_member_bodies(fleet_client, pool) -> None:
    made = pool()
    bodies: list[dict[str, Any]] = [{"line_ids": []}, {"line_ids": ["x"]}, {}]
    for body in bodies:
        response = fleet_client.send("post", f"{API}/{made.pk}/members", body)
        assert response.status_code == 422 and response.json()["field"].startswith("line_ids")


def test_a_read_key_reads_but_cannot_change(read_client, pool, lines) -> None:
    made = pool()
    assert read_client.get(f"{API}/{made.pk}").status_code == 200
    assert read_client.send("post", f"{API}/{made.pk}/members", {"line_ids": [lines[0].pk]}).status_code == 403
    assert read_client.send("post", API, {"offer": "group-data-50gb", "name": "P"}).status_code == 403


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=60),
    st.sampled_from(["group-data-50gb", "12,50", "-1", "1e9", "0.001", " ", "\x00", "Sales\x07"]),
    st.lists(st.integers(), max_size=2),
)


@pytest.mark.spec("R3")
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offer=JSON_VALUES, name=JSON_VALUES, notify=JSON_VALUES, contract=JSON_VALUES)
def test_any_order_body_is_created_or_a_422_naming_its_field(
    fleet_client, catalogue, offer, name, notify, contract
) -> None:
    body = {"offer": offer, "name": name, "out_of_bundle_notify_at": notify, "contract": contract}
    response = fleet_client.send("post", API, body)
    assert response.status_code in (201, 422), response.content
    if response.status_code != 201:
        assert response.json()["field"] in {"offer", "name", "out_of_bundle_notify_at", "contract"}
