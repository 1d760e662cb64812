"""The usage rule pages and API (issue 7): managers with the fleet right list, create, change and
delete rules and see what they did; the same refusals on the page and as the API's 422 naming
the field, nothing changed; members, billing-only managers and other customers are kept out."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from fleetportal.accounts.models import User
from fleetportal.alerts.actions_rules import RuleInput, rule_create
from fleetportal.alerts.models import BundleAlert, UsageRule
from fleetportal.core.actor import Actor
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory, TagFactory
from fleetportal.tests.api_client import ApiClient
from fleetportal.usage.models import UsageCounter

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-42", "F-43", "rules")]


def logged_in(user: User, login: Callable[..., object]) -> Client:
    client = Client()
    login(client, user)
    return client


@pytest.fixture
def rule(manager_actor: Actor, customer: Customer) -> UsageRule:
    data = RuleInput(name="Data cap", target="company", metric="data_pct", threshold="90", effect="block_data")
    return rule_create(actor=manager_actor, customer=customer, data=data)


def form(**kwargs: Any) -> dict[str, Any]:
    values = {"name": "Roaming guard", "target": "company", "metric": "oob_eur", "threshold": "25,50",
              "effect": "block_roaming", "lift_next_period": "on", "active": "on"}  # fmt: skip
    return {**values, **kwargs}


# --- pages ------------------------------------------------------------------------------------


def test_a_manager_creates_a_rule_on_a_line_by_its_number(
    manager: User, login: Callable[..., object], lines: list[Line]
) -> None:
    client = logged_in(manager, login)
    assert client.get("/rules/").status_code == 200
    response = client.post("/rules/new/", form(target="line", line="0470 30 00 02"))
    rule = UsageRule.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rules/{rule.pk}/"
    assert (rule.line_id, rule.threshold, rule.lift_next_period) == (lines[1].pk, Decimal("25.50"), True)
    page = client.get(f"/rules/{rule.pk}/").content.decode()
    assert "Roaming guard" in page and "The rule has not applied yet." in page
    assert "Roaming guard" in client.get("/rules/").content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"threshold": "-1"}, "The threshold cannot be below 0."),
        ({"metric": "data_pct", "threshold": "1001"}, "A threshold in % of a bundle is at most 1000 %."),
        ({"target": "line", "line": "+36301234567"}, "Choose one of your lines."),
        ({"effect": "block_service", "service": ""}, "Choose the traffic type to block."),
    ],
)
def test_a_bad_rule_is_shown_on_the_form_and_nothing_is_saved(
    manager: User, login: Callable[..., object], lines: list[Line], change: dict[str, str], message: str
) -> None:
    response = logged_in(manager, login).post("/rules/new/", form(**change))
    assert response.status_code == 200  # the form again, with the refusal on its field
    assert message in response.content.decode()
    assert not UsageRule.objects.exists()


def test_a_manager_changes_and_deletes_a_rule(
    manager: User, login: Callable[..., object], rule: UsageRule, customer: Customer
) -> None:
    client = logged_in(manager, login)
    tag = TagFactory.create(customer=customer, name="Drivers")
    response = client.post(f"/rules/{rule.pk}/", form(target="tag", tag=str(tag.pk), name="Drivers' roaming"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.tag_id, rule.effect) == ("Drivers' roaming", tag.pk, "block_roaming")
    assert client.post(f"/rules/{rule.pk}/delete/").status_code == 302
    assert not UsageRule.objects.exists()
    assert AuditEvent.objects.filter(action="rule.deleted", actor=manager).exists()


def test_the_alerts_sent_are_listed(
    manager: User, login: Callable[..., object], lines: list[Line], counter: Callable[..., UsageCounter],
    rated: Callable[..., None],
) -> None:  # fmt: skip
    counter(lines[0], data_mb=Decimal(800))
    rated([lines[0]])
    assert BundleAlert.objects.count() == 1
    page = logged_in(manager, login).get("/rules/alerts/").content.decode()
    assert lines[0].msisdn in page and "75 %" in page


def test_role_matrix_of_the_pages(
    login: Callable[..., object], member: User, billing_manager: User, other_holder: User, rule: UsageRule
) -> None:
    paths = ["/rules/", "/rules/new/", "/rules/alerts/", f"/rules/{rule.pk}/"]
    for user in (member, billing_manager):
        client = logged_in(user, login)
        assert [client.get(path).status_code for path in paths] == [403] * 4
        assert client.post(f"/rules/{rule.pk}/delete/").status_code == 403
    other = logged_in(other_holder, login)
    assert other.get(f"/rules/{rule.pk}/").status_code == 404
    assert other.post(f"/rules/{rule.pk}/delete/").status_code == 404
    assert other.post(f"/rules/{rule.pk}/", form()).status_code == 404
    assert Client().get("/rules/").status_code == 302  # to the login
    assert UsageRule.objects.get().name == "Data cap"


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def fleet_api(new_key: Callable[..., Any], holder: User) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read", "fleet"))[1])


def body(**kwargs: Any) -> dict[str, Any]:
    values = {"name": "Heavy data", "target": "company", "metric": "data_pct", "threshold": "150",
              "effect": "suspend", "lift_next_period": True}  # fmt: skip
    return {**values, **kwargs}


def test_rules_crud_through_the_api(fleet_api: ApiClient, lines: list[Line]) -> None:
    created = fleet_api.send("POST", "/api/v1/rules", body(target="line", line=lines[0].pk))
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["line"], rule["line_msisdn"], rule["threshold"]) == (lines[0].pk, lines[0].msisdn, "150.00")
    listed = fleet_api.get("/api/v1/rules").json()
    assert [item["id"] for item in listed["items"]] == [rule["id"]]
    replaced = fleet_api.send("PUT", f"/api/v1/rules/{rule['id']}", body(effect="notify", threshold=2))
    assert replaced.status_code == 200 and replaced.json()["effect"] == "notify"
    assert replaced.json()["lift_next_period"] is False  # nothing to lift for a notification
    assert fleet_api.get(f"/api/v1/rules/{rule['id']}/firings").json()["count"] == 0
    assert fleet_api.delete(f"/api/v1/rules/{rule['id']}").status_code == 204
    assert not UsageRule.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"threshold": "-1"}, "threshold"),
        ({"threshold": -0.01}, "threshold"),
        ({"threshold": "1000.5"}, "threshold"),
        ({"threshold": "lots"}, "threshold"),
        ({"effect": "block_service", "service": "teleport"}, "service"),
        ({"target": "tag", "tag": 999999}, "tag"),
        ({"metric": "speed"}, "metric"),
    ],
)
def test_bad_rules_answer_422_naming_the_field(
    fleet_api: ApiClient, lines: list[Line], change: dict[str, Any], field: str
) -> None:
    response = fleet_api.send("POST", "/api/v1/rules", body(**change))
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not UsageRule.objects.exists()


def test_a_target_of_another_customer_is_422_and_changes_nothing(
    fleet_api: ApiClient, rule: UsageRule, other_customer: Customer
) -> None:
    foreign = LineFactory.create(customer=other_customer)
    response = fleet_api.send("PUT", f"/api/v1/rules/{rule.pk}", body(target="line", line=foreign.pk))
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["detail"]) == ("line", "line: Choose one of your lines.")
    rule.refresh_from_db()
    assert (rule.target, rule.name) == ("company", "Data cap")


def test_role_matrix_of_the_api(
    new_key: Callable[..., Any], holder: User, other_holder: User, member: User, login: Callable[..., object],
    rule: UsageRule,
) -> None:  # fmt: skip
    read = ApiClient(new_key(holder, scopes=("read",))[1])
    assert read.get(f"/api/v1/rules/{rule.pk}").status_code == 200
    assert read.send("POST", "/api/v1/rules", body()).status_code == 403
    assert read.delete(f"/api/v1/rules/{rule.pk}").status_code == 403
    other = ApiClient(new_key(other_holder, scopes=("read", "fleet"))[1])
    assert other.get(f"/api/v1/rules/{rule.pk}").status_code == 404
    assert other.get(f"/api/v1/rules/{rule.pk}/firings").status_code == 404
    assert other.delete(f"/api/v1/rules/{rule.pk}").status_code == 404
    assert other.get("/api/v1/rules").json()["count"] == 0
    assert logged_in(member, login).get("/api/v1/rules").status_code == 403
    assert UsageRule.objects.count() == 1
