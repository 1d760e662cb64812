"""The back office API (F-93, F-91) with staff API keys: who gets in, same rules as the pages."""

from __future__ import annotations

import pytest

from fleetportal.accounts.staff_keys import staff_api_key_create, staff_api_key_revoke
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.iccid import luhn_check_digit
from fleetportal.fleet.models import PoolNumber, SimCard
from fleetportal.notifications.models import OutboxMessage
from fleetportal.tests.api_client import ApiClient

NEW = {
    "name": "Initech BV",
    "vat_number": "BE0999999999",
    "language": "fr",
    "country": "BE",
    "login_domain": "initech",
    "contract_number": "C-777",
    "contract_start": "2026-01-01",
    "currency": "EUR",
    "contract_email": "boss@initech.example",
    "contract_mobile": "0470 55 44 33",
    "billing_account": "100999888",
}


@pytest.fixture
def admin_key(operator_admin, actor_for) -> str:  # type: ignore[no-untyped-def]
    return staff_api_key_create(actor=actor_for(operator_admin), owner=operator_admin, name="CRM")[1]


@pytest.fixture
def agent_key(operator_admin, support_agent, actor_for) -> str:  # type: ignore[no-untyped-def]
    return staff_api_key_create(actor=actor_for(operator_admin), owner=support_agent, name="Helpdesk tool")[1]


@pytest.mark.spec("F-93", "F-04")
def test_a_staff_key_creates_a_customer_and_the_holder_gets_the_mail(admin_key, operator_admin):
    api = ApiClient(admin_key)
    response = api.send("POST", "/api/v1/staff/customers", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["login_domain"], body["contracts"], body["suspended"]) == ("initech", ["C-777"], False)
    assert OutboxMessage.objects.filter(recipient="boss@initech.example", kind="email").exists()
    event = AuditEvent.objects.get(action="customer.created")
    assert (event.actor, event.channel) == (operator_admin, "api")
    assert api.get(f"/api/v1/staff/customers/{body['id']}").json()["name"] == "Initech BV"
    listed = api.get("/api/v1/staff/customers", {"q": "initech"}).json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]


@pytest.mark.spec("F-93", "R3")
def test_a_refused_field_answers_422_naming_it(admin_key, customer):
    api = ApiClient(admin_key)
    response = api.send("POST", "/api/v1/staff/customers", {**NEW, "login_domain": customer.login_domain})
    assert response.status_code == 422 and response.json()["field"] == "login_domain"
    response = api.send("POST", "/api/v1/staff/numbers/import", {"first": "+32470000999", "last": "+32470000000"})
    assert response.status_code == 422 and response.json()["field"] == "last"
    assert not PoolNumber.objects.exists()


@pytest.mark.spec("F-93")
def test_staff_keys_import_numbers_and_sim_cards(admin_key, customer):
    api = ApiClient(admin_key)
    PoolNumber.objects.create(msisdn="+32470000001")
    response = api.send("POST", "/api/v1/staff/numbers/import", {"first": "+32470000000", "last": "+32470000009"})
    assert response.json() == {"created": 9, "skipped": 1}
    body = "8941010000000000001"
    good = body + luhn_check_digit(body)
    bad = body[:-1] + "2" + luhn_check_digit(body)  # a digit changed, the old check digit kept
    csv = f"iccid,imsi,pin,puk\n{good},206010000000001,1234,12345678\n{bad},206010000000002,1234,12345678\n"
    response = api.send("POST", "/api/v1/staff/sim-cards/import", {"customer_id": customer.pk, "csv": csv})
    assert response.status_code == 422
    assert response.json()["field"] == "file" and "row 3:" in response.json()["detail"]
    assert not SimCard.objects.exists()
    csv = f"iccid,imsi,pin,puk\n{good},206010000000001,1234,12345678\n"
    response = api.send("POST", "/api/v1/staff/sim-cards/import", {"customer_id": customer.pk, "csv": csv})
    assert response.json() == {"imported": 1}
    assert SimCard.objects.get().customer == customer


@pytest.mark.spec("F-93", "S2")
def test_who_gets_into_the_staff_api(agent_key, admin_key, new_key, holder, actor_for, operator_admin, customer):
    # A support agent's key reads but imports nothing (403).
    agent = ApiClient(agent_key)
    assert agent.get("/api/v1/staff/customers").status_code == 200
    response = agent.send("POST", "/api/v1/staff/numbers/import", {"first": "+32470000000", "last": "+32470000009"})
    assert response.status_code == 403 and "operator admin" in response.json()["detail"]
    assert agent.send("POST", "/api/v1/staff/customers", NEW).status_code == 403
    assert not Customer.objects.filter(login_domain="initech").exists()
    # A customer's key is no key here, and a staff key opens no customer's API.
    assert ApiClient(new_key(holder)[1]).get("/api/v1/staff/customers").status_code == 401
    assert ApiClient(admin_key).get("/api/v1/users").status_code == 401
    assert ApiClient("fps_made-up").get("/api/v1/staff/customers").status_code == 401
    # A revoked key is refused at once.
    from fleetportal.accounts.models import StaffApiKey

    staff_api_key_revoke(actor=actor_for(operator_admin), key=StaffApiKey.objects.get(name="CRM"))
    assert ApiClient(admin_key).get("/api/v1/staff/customers").status_code == 401
    assert ApiClient(admin_key).get(f"/api/v1/staff/customers/{customer.pk}").status_code == 401


@pytest.mark.spec("F-93", "S2")
def test_only_an_operator_admin_makes_staff_keys(support_agent, actor_for, client, login, operator_admin):
    with pytest.raises(PermissionDeniedError):
        staff_api_key_create(actor=actor_for(support_agent), owner=support_agent, name="Mine")
    login(client, operator_admin)
    response = client.post("/staff/api-keys/", {"owner": support_agent.pk, "name": "Helpdesk tool"})
    assert response.status_code == 200 and response.context["plaintext"].startswith("fps_")
    assert AuditEvent.objects.get(action="staff_api_key.created").after["user"] == support_agent.email
    assert response.context["plaintext"] not in str(list(AuditEvent.objects.values("after")))


@pytest.mark.spec("F-93", "S2")
def test_a_customers_manager_session_gets_a_403_and_staff_session_a_404_for_an_unknown_id(
    client, login, manager, staff
):
    login(client, manager)
    response = client.get("/api/v1/staff/customers")
    assert response.status_code == 403 and "operator's staff" in response.json()["detail"]
    client.logout()
    login(client, staff)
    assert client.get("/api/v1/staff/customers/999999").status_code == 404
    assert client.get("/api/v1/staff/customers").json()["count"] == 1  # the manager's customer
