"""Webhook endpoints through the API (F-92, F-91): scopes, the secret shown once, a refused
URL or event name a 422 naming the field with nothing changed, another customer's ids a 404."""

from __future__ import annotations

import pytest

from fleetportal.core.models import AuditEvent
from fleetportal.fleet.actions.lifecycle import lines_suspend
from fleetportal.tests.api_client import ApiClient
from fleetportal.webhooks.channel import MAX_ATTEMPTS
from fleetportal.webhooks.models import Endpoint, WebhookDelivery

pytestmark = pytest.mark.spec("F-92")
API = "/api/v1/webhooks"


@pytest.fixture
def fleet_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=["fleet"])[1])


def test_the_catalogue_lists_every_domain_event(fleet_client):
    names = {event["name"] for event in fleet_client.get(f"{API}/event-types").json()}
    assert {"line.activated", "line.suspended", "line.stopped", "provisioning.failed", "usage.rated"} <= names


def test_a_fleet_key_registers_an_endpoint_and_sees_its_secret_once(fleet_client, receiver):
    answer = fleet_client.send("post", API, {"url": receiver.url, "events": ["line.stopped", "line.activated"]})
    assert answer.status_code == 201, answer.json()
    created = answer.json()
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["line.activated", "line.stopped"]
    assert Endpoint.objects.get().secret == created["secret"]

    assert "secret" not in fleet_client.get(f"{API}/{created['id']}").json()
    assert "secret" not in fleet_client.get(API).json()[0]
    audit = AuditEvent.objects.get(action="webhook.created")
    assert created["secret"] not in str(audit.after)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "https://hooks.customer.example/x", "events": ["line.activated", "line.exploded"]}, "events",
         "Unknown event: line.exploded."),
        ({"url": "https://hooks.customer.example/x", "events": []}, "events", "Choose at least one event."),
        ({"url": "http://hooks.customer.example/x", "events": ["line.activated"]}, "url",
         "The URL must start with https://."),
        ({"url": "https://user:pw@hooks.customer.example/x", "events": ["line.activated"]}, "url",
         "without a user name or password"),
    ],
)  # fmt: skip
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_made(fleet_client, settings, body, field, message):
    settings.WEBHOOKS_REQUIRE_HTTPS = True  # production
    answer = fleet_client.send("post", API, body)
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    assert message in answer.json()["detail"]
    assert not Endpoint.objects.exists()


def test_a_bad_change_is_refused_and_the_endpoint_kept(fleet_client, endpoint):
    answer = fleet_client.send("patch", f"{API}/{endpoint.pk}", {"events": ["nope"], "description": "x"})
    assert (answer.status_code, answer.json()["field"]) == (422, "events")
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.description) == (["line.activated", "line.suspended"], "ERP")


def test_switching_on_again_clears_the_mark_of_being_switched_off(fleet_client, endpoint):
    Endpoint.objects.update(active=False, disabled_at="2026-01-01T00:00:00Z")
    answer = fleet_client.send("patch", f"{API}/{endpoint.pk}", {"active": True})
    assert answer.status_code == 200
    assert (answer.json()["active"], answer.json()["disabled_at"]) == (True, None)


def test_rotate_returns_a_new_secret(fleet_client, endpoint):
    old_secret = endpoint.secret
    answer = fleet_client.post(f"{API}/{endpoint.pk}/rotate-secret")
    assert answer.status_code == 200
    assert answer.json()["secret"] != old_secret
    assert Endpoint.objects.get().secret == answer.json()["secret"]


def test_the_delivery_log_and_resend(fleet_client, endpoint, receiver, line, fleet_actor, deliver):
    receiver.answers = [502]
    lines_suspend(actor=fleet_actor, lines=[line])
    WebhookDelivery.objects.update(attempts=MAX_ATTEMPTS - 1)
    row = WebhookDelivery.objects.get()
    assert fleet_client.post(f"{API}/{endpoint.pk}/deliveries/{row.pk}/resend").status_code == 409  # still pending
    deliver()

    log = fleet_client.get(f"{API}/{endpoint.pk}/deliveries").json()
    assert log["count"] == 1
    item = log["items"][0]
    assert (item["event"], item["status"], item["response_status"], item["attempts"]) == (
        "line.suspended",
        "dead",
        502,
        MAX_ATTEMPTS,
    )
    assert item["webhook_id"] == receiver.requests[0].headers["webhook-id"]

    answer = fleet_client.post(f"{API}/{endpoint.pk}/deliveries/{row.pk}/resend")
    assert (answer.status_code, answer.json()["status"]) == (202, "pending")
    assert deliver() == ["sent"]


def test_scopes(new_key, holder, endpoint, receiver):
    read = ApiClient(new_key(holder, scopes=["read"])[1])
    users = ApiClient(new_key(holder, scopes=["users"])[1])
    body = {"url": receiver.url, "events": ["line.activated"]}
    assert read.get(API).status_code == 200
    assert read.send("post", API, body).status_code == 403
    assert read.post(f"{API}/{endpoint.pk}/rotate-secret").status_code == 403
    assert users.get(API).status_code == 403
    assert users.send("post", API, body).status_code == 403
    assert ApiClient().get(API).status_code == 401
    assert Endpoint.objects.count() == 1


def test_another_customers_endpoint_is_a_404_and_untouched(new_key, other_holder, endpoint, line, fleet_actor):
    lines_suspend(actor=fleet_actor, lines=[line])
    row = WebhookDelivery.objects.get()
    other = ApiClient(new_key(other_holder, scopes=["read", "fleet"])[1])
    assert other.get(API).json() == []
    for method, path, body in [
        ("get", f"{API}/{endpoint.pk}", None),
        ("patch", f"{API}/{endpoint.pk}", {"active": False}),
        ("delete", f"{API}/{endpoint.pk}", None),
        ("post", f"{API}/{endpoint.pk}/rotate-secret", None),
        ("get", f"{API}/{endpoint.pk}/deliveries", None),
        ("post", f"{API}/{endpoint.pk}/deliveries/{row.pk}/resend", None),
    ]:
        assert other.send(method, path, body).status_code == 404, (method, path)
    kept = Endpoint.objects.get()
    assert (kept.active, kept.secret) == (True, endpoint.secret)


def test_delete(fleet_client, endpoint):
    assert fleet_client.delete(f"{API}/{endpoint.pk}").status_code == 204
    assert not Endpoint.objects.exists()
    assert AuditEvent.objects.filter(action="webhook.deleted").exists()
