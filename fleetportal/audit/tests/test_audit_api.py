"""The audit log over the API (F-33, F-91): a key reads its own company's events with scope
`read` or `users`, a `customer` filter never widens it (S1); staff sessions see all; bad filters
answer 4xx naming the field (R3)."""

from __future__ import annotations

import pytest

from fleetportal.core.models import AuditEvent, Channel, Customer
from fleetportal.tests.api_client import ApiClient

pytestmark = pytest.mark.spec("F-33", "F-91")

URL = "/api/v1/audit-events"


def event(customer: Customer, action: str, label: str, **kwargs: object) -> AuditEvent:
    return AuditEvent.objects.create(
        customer=customer, channel=Channel.WEB, action=action, object_type="line", object_label=label, **kwargs
    )


@pytest.fixture
def acme_and_globex(customer: Customer, other_customer: Customer) -> None:
    event(customer, "line.plan_changed", "+32470111111", before={"plan": "mobile-1"}, after={"plan": "mobile-start"})
    event(customer, "line.suspend", "+32470222222", actor_label="manager@acme.example")
    event(other_customer, "line.stopped", "+36301234567")


def labels(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {item["object_label"] for item in response.json()["items"]}


@pytest.mark.spec("S1")
def test_a_key_reads_its_own_company_only(new_key, holder, acme_and_globex, other_customer):
    client = ApiClient(new_key(holder, scopes=("read",))[1])
    response = client.get(URL, {"action": "line.plan_changed"})
    assert labels(response) == {"+32470111111"}
    (item,) = response.json()["items"]
    assert item["action"] == "line.plan_changed" and item["action_label"] == "Tariff plan changed"
    assert (item["before"], item["after"]) == ({"plan": "mobile-1"}, {"plan": "mobile-start"})
    assert item["channel"] == "web" and item["created_at"].endswith(("Z", "+00:00"))
    assert labels(client.get(URL, {"customer": other_customer.pk})) >= {"+32470111111", "+32470222222"}
    assert "+36301234567" not in labels(client.get(URL, {"customer": other_customer.pk}))


@pytest.mark.spec("S1")
def test_another_companys_key_never_sees_acme(new_key, other_holder, acme_and_globex, customer):
    client = ApiClient(new_key(other_holder, scopes=("users",))[1])
    seen = labels(client.get(URL, {"customer": customer.pk, "limit": 500}))
    assert "+36301234567" in seen and not seen & {"+32470111111", "+32470222222"}


@pytest.mark.spec("S2")
def test_a_key_without_read_or_users_scope_is_refused(new_key, holder, acme_and_globex):
    response = ApiClient(new_key(holder, scopes=("fleet",))[1]).get(URL)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_filters_and_pages(new_key, holder, acme_and_globex):
    client = ApiClient(new_key(holder)[1])
    assert labels(client.get(URL, {"user": "MANAGER@acme", "number": "0470 22 22 22"})) == {"+32470222222"}
    body = client.get(URL, {"limit": 1, "offset": 1}).json()
    everything = client.get(URL, {"limit": 500}).json()
    assert body["count"] == everything["count"] >= 2 and (body["limit"], body["offset"]) == (1, 1)
    assert [item["id"] for item in body["items"]] == [everything["items"][1]["id"]]


@pytest.mark.spec("S1")
def test_a_staff_session_sees_every_company_or_the_one_filtered(client, login, staff, acme_and_globex, other_customer):
    login(client, staff)
    assert {"+32470111111", "+36301234567"} <= labels(client.get(URL))
    assert labels(client.get(URL, {"customer": other_customer.pk})) == {"+36301234567"}


@pytest.mark.spec("R3")
@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, 400, "date_to"),
        ({"date_from": "not a date"}, 422, "date_from"),
        ({"date_to": "2026-02-30"}, 422, "date_to"),
        ({"limit": 0}, 422, "limit"),
        ({"user": "a\x00b"}, 422, "user"),
        ({"number": "1" * 33}, 422, "number"),
    ],
)
def test_bad_filters_name_the_field(new_key, holder, query, status, field):
    response = ApiClient(new_key(holder)[1]).get(URL, query)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
