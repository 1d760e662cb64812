"""The client app pages and actions (F-11): operator admins only, redirect URI rules, the
secret shown once and kept hashed, audit rows, and the role matrix."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from oauth2_provider.models import Application

from fleetportal.accounts.models import StaffRole
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent
from fleetportal.core.tests.factories import StaffFactory
from fleetportal.sso import actions

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-11")]


def _register(actor, uris="https://crm.operator.example/cb", client_type="confidential"):
    return actions.client_create(actor=actor, name="CRM", redirect_uris=uris, client_type=client_type)


def test_create_keeps_the_secret_hashed_and_audits(staff, actor_for):
    client, secret = _register(actor_for(staff))
    client.refresh_from_db()
    assert secret and client.client_secret != secret
    assert client.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert client.algorithm == Application.RS256_ALGORITHM
    event = AuditEvent.objects.get(action="sso.client_created")
    assert event.object_id == str(client.pk) and event.after["redirect_uris"] == "https://crm.operator.example/cb"


@pytest.mark.parametrize(
    "uris",
    ["", "http://crm.operator.example/cb", "ftp://crm.operator.example/cb", "https:///cb", "https://a.example/cb#x"],
)
def test_bad_redirect_uris_are_refused(staff, actor_for, uris):
    with pytest.raises(ActionError) as refused:
        _register(actor_for(staff), uris=uris)
    assert refused.value.field == "redirect_uris"
    assert not Application.objects.exists()


def test_http_loopback_only_in_demo_or_debug(staff, actor_for, settings):
    assert actions.clean_redirect_uris("http://127.0.0.1:8765/cb http://localhost/cb")
    settings.DEMO_MODE = settings.DEBUG = False
    with pytest.raises(ActionError):
        actions.clean_redirect_uris("http://127.0.0.1:8765/cb")
    assert actions.clean_redirect_uris("https://a.example/cb https://a.example/cb") == "https://a.example/cb"


def test_rotate_replaces_the_secret_and_delete_removes(staff, actor_for):
    actor = actor_for(staff)
    client, first = _register(actor)
    second = actions.client_rotate_secret(actor=actor, client=client)
    assert second != first
    client.refresh_from_db()
    assert check_password(second, client.client_secret) and not check_password(first, client.client_secret)
    actions.client_delete(actor=actor, client=client)
    assert not Application.objects.exists()
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"sso.secret_rotated", "sso.client_deleted"}


def test_only_an_operator_admin_registers(holder, actor_for):
    agent = StaffFactory.create(email="agent@operator.example", staff_role=StaffRole.SUPPORT_AGENT)
    for user in (agent, holder):
        with pytest.raises(PermissionDeniedError):
            _register(actor_for(user))
    assert not Application.objects.exists()


def test_page_registers_and_shows_the_secret_once(staff, login):
    browser = Client()
    login(browser, staff)
    response = browser.post(
        "/o/clients/", {"name": "CRM", "redirect_uris": "https://crm.example/cb", "client_type": "public"}
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    client = Application.objects.get()
    secret = response.context["secret"]
    assert secret and secret in response.content.decode()
    assert client.client_id in response.content.decode()
    again = browser.get(f"/o/clients/{client.pk}/")
    assert secret not in again.content.decode()
    assert "CRM" in browser.get("/o/clients/").content.decode()


def test_page_shows_a_bad_redirect_uri_on_the_form(staff, login):
    browser = Client()
    login(browser, staff)
    response = browser.post(
        "/o/clients/", {"name": "CRM", "redirect_uris": "http://crm.example/cb", "client_type": "confidential"}
    )
    assert response.status_code == 200
    assert "is not a valid redirect URI" in str(response.context["form"].errors["redirect_uris"])
    assert not Application.objects.exists()


def test_rotate_and_delete_pages(staff, login, actor_for):
    client, _ = _register(actor_for(staff))
    browser = Client()
    login(browser, staff)
    rotated = browser.post(f"/o/clients/{client.pk}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.context["secret"]
    assert browser.post(f"/o/clients/{client.pk}/delete/")["Location"] == "/o/clients/"
    assert browser.post(f"/o/clients/{client.pk}/delete/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "holder", "member", "agent"])
def test_role_matrix(who, request, staff, actor_for, login):
    client, _ = _register(actor_for(staff))
    browser = Client()
    if who == "agent":
        login(browser, StaffFactory.create(email="agent@operator.example", staff_role=StaffRole.SUPPORT_AGENT))
    elif who != "anonymous":
        login(browser, request.getfixturevalue(who))
    for method, url in (
        ("get", "/o/clients/"),
        ("get", f"/o/clients/{client.pk}/"),
        ("post", "/o/clients/"),
        ("post", f"/o/clients/{client.pk}/rotate-secret/"),
        ("post", f"/o/clients/{client.pk}/delete/"),
    ):
        response = getattr(browser, method)(url)
        if who == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
        else:
            assert response.status_code == 403, (who, url)
    assert Application.objects.filter(pk=client.pk).exists()


def test_staff_menu_lists_the_page(staff, actor_for, holder):
    from fleetportal.core.navigation import menu_for

    assert "sso.clients" in {entry.key for entry in menu_for(actor_for(staff))}
    assert "sso.clients" not in {entry.key for entry in menu_for(actor_for(holder))}
