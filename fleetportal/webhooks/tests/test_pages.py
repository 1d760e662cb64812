"""The webhooks pages (F-92): fleet managers only, the secret shown once, refusals on the form
with nothing changed, another customer's endpoint a 404, the delivery log with "resend"."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from fleetportal.fleet.actions.lifecycle import lines_suspend
from fleetportal.webhooks.channel import MAX_ATTEMPTS
from fleetportal.webhooks.models import Endpoint, WebhookDelivery

pytestmark = pytest.mark.spec("F-92")
SECRET_RE = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')


@pytest.fixture
def manager_client(login, manager) -> Client:
    client = Client()
    login(client, manager)
    return client


def test_adding_an_endpoint_shows_its_secret_this_once(manager_client, receiver):
    answer = manager_client.post(
        "/webhooks/", {"url": receiver.url, "events": ["line.activated", "provisioning.failed"], "active": "on"}
    )
    assert answer.status_code == 200
    endpoint = Endpoint.objects.get()
    found = SECRET_RE.search(answer.content.decode())
    assert found and found.group(1) == endpoint.secret
    assert answer["Cache-Control"] == "no-store"
    assert endpoint.events == ["line.activated", "provisioning.failed"]

    for page in ("/webhooks/", f"/webhooks/{endpoint.pk}/"):
        shown = manager_client.get(page)
        assert shown.status_code == 200
        assert endpoint.secret not in shown.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "https://hooks.customer.example/x", "events": ["line.exploded"]}, "events", "line.exploded"),
        ({"url": "http://hooks.customer.example/x", "events": ["line.activated"]}, "url",
         "The URL must start with https://."),
        ({"url": "https://10.0.0.8/x", "events": ["line.activated"]}, "url", "private or reserved network address"),
    ],
)  # fmt: skip
def test_a_refusal_is_shown_on_its_field_and_nothing_is_made(manager_client, settings, data, field, message):
    settings.WEBHOOKS_REQUIRE_HTTPS = True  # production
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    answer = manager_client.post("/webhooks/", data)
    assert answer.status_code == 200
    page = answer.content.decode()
    errors = re.search(rf'id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert errors and message in errors.group(1)
    assert not Endpoint.objects.exists()


def test_the_delivery_log_shows_the_status_code_and_resends(manager_client, endpoint, receiver, line, fleet_actor,
                                                             deliver):  # fmt: skip
    receiver.answers = [500]
    lines_suspend(actor=fleet_actor, lines=[line])
    WebhookDelivery.objects.update(attempts=MAX_ATTEMPTS - 1)
    deliver()
    row = WebhookDelivery.objects.get()

    page = manager_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "line.suspended" in page and "<td>500</td>" in page and "Failed for good" in page
    resend = f"/webhooks/{endpoint.pk}/deliveries/{row.pk}/resend/"
    assert resend in page

    answer = manager_client.post(resend)
    assert answer.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert deliver() == ["sent"]


def test_rotate_shows_the_new_secret_once(manager_client, endpoint):
    answer = manager_client.post(f"/webhooks/{endpoint.pk}/rotate-secret/")
    found = SECRET_RE.search(answer.content.decode())
    assert found and found.group(1) == Endpoint.objects.get().secret != endpoint.secret


def test_saving_and_removing(manager_client, endpoint):
    answer = manager_client.post(
        f"/webhooks/{endpoint.pk}/", {"url": endpoint.url, "events": ["line.stopped"], "description": "CRM"}
    )
    assert answer.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.description, endpoint.active) == (["line.stopped"], "CRM", False)

    assert manager_client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("who", ["member", "billing_manager"])
def test_only_fleet_managers_open_the_pages(request, login, who, endpoint):
    client = Client()
    login(client, request.getfixturevalue(who))
    assert client.get("/webhooks/").status_code == 403
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 403
    assert client.post("/webhooks/", {"url": "https://a.example/", "events": ["line.activated"]}).status_code == 403
    assert Endpoint.objects.count() == 1


def test_another_customers_endpoint_is_a_404_and_untouched(login, other_holder, endpoint, line, fleet_actor):
    lines_suspend(actor=fleet_actor, lines=[line])
    row = WebhookDelivery.objects.get()
    client = Client()
    login(client, other_holder)
    assert endpoint.url not in client.get("/webhooks/").content.decode()
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 404
    for path in ("", "rotate-secret/", "delete/", f"deliveries/{row.pk}/resend/"):
        assert client.post(f"/webhooks/{endpoint.pk}/{path}", {"url": "https://a.example/"}).status_code == 404
    kept = Endpoint.objects.get()
    assert (kept.url, kept.secret, kept.active) == (endpoint.url, endpoint.secret, True)


def test_the_menu_offers_webhooks_to_fleet_managers_only(manager_client, login, member):
    assert 'href="/webhooks/"' in manager_client.get("/dashboard/").content.decode()
    client = Client()
    login(client, member)
    page = client.get("/me/", follow=True)
    assert page.status_code == 200 and 'href="/webhooks/"' not in page.content.decode()
