"""Suspending a customer (F-93): its logins and keys stop, staff reinstate it."""

from __future__ import annotations

import pytest

from fleetportal.accounts.models import CustomerSuspension
from fleetportal.core.models import AuditEvent
from fleetportal.tests.api_client import ApiClient


def _suspend(client, customer, reason="Unpaid invoices"):  # type: ignore[no-untyped-def]
    return client.post(f"/staff/customers/{customer.pk}/suspend/", {"suspend-reason": reason})


@pytest.mark.spec("F-93", "S2")
def test_a_suspended_customer_cannot_log_in_nor_use_its_api_keys(
    client, operator_admin, login, customer, holder, manager, new_key
):
    _key, plaintext = new_key(holder)
    assert ApiClient(plaintext).get("/api/v1/users").status_code == 200
    live = ApiClient()
    login(live, manager)
    assert live.get("/dashboard/").status_code == 200

    login(client, operator_admin)
    assert _suspend(client, customer).status_code == 302
    assert CustomerSuspension.objects.filter(customer=customer).exists()
    event = AuditEvent.objects.get(action="customer.suspended", customer=customer)
    assert event.actor == operator_admin and event.after == {"reason": "Unpaid invoices"}

    assert ApiClient(plaintext).get("/api/v1/users").status_code == 401  # its keys
    assert live.get("/dashboard/").status_code == 302  # a live session ends at its next request
    assert "_auth_user_id" not in live.session
    fresh = ApiClient()
    response = fresh.post("/accounts/login/", {"login": holder.email, "password": "Correct-horse-battery-9"})
    assert response.status_code == 200 and "_auth_user_id" not in fresh.session  # as a wrong password
    from fleetportal.core.tests.factories import PASSWORD

    response = fresh.post("/accounts/login/", {"login": holder.email, "password": PASSWORD})
    assert "_auth_user_id" not in fresh.session

    assert client.post(f"/staff/customers/{customer.pk}/reinstate/").status_code == 302
    assert ApiClient(plaintext).get("/api/v1/users").status_code == 200
    login(ApiClient(), holder)
    assert AuditEvent.objects.filter(action="customer.reinstated", customer=customer).exists()


@pytest.mark.spec("F-93", "F-08")
def test_a_suspended_customers_number_gets_no_login_code(client, operator_admin, login, customer, member, actor_for):
    from fleetportal.backoffice.actions import customer_suspend
    from fleetportal.notifications.models import OutboxMessage

    customer_suspend(actor=actor_for(operator_admin), customer=customer, reason="Fraud check")
    client.post("/login/phone/", {"step": "number", "phone": "0470 00 00 03"})
    client.post("/login/phone/", {"step": "send"})
    assert not OutboxMessage.objects.filter(recipient="+32470000003").exists()


@pytest.mark.spec("F-93", "R3")
def test_suspending_needs_a_reason_and_an_agent_may_not(client, operator_admin, support_agent, login, customer):
    login(client, operator_admin)
    response = _suspend(client, customer, reason=" ")
    assert response.status_code == 200 and "reason" in response.context["suspend_form"].errors
    client.logout()
    login(client, support_agent)
    response = _suspend(client, customer)
    assert response.status_code == 403
    assert "Only an operator admin" in response.content.decode()
    assert not CustomerSuspension.objects.exists()
