"""Who may call the API: keys by hash, never revoked ones; sessions only when fully logged in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.accounts import session as session_keys
from fleetportal.accounts.api_keys import api_key_revoke
from fleetportal.conftest import make_actor
from fleetportal.tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
USERS = "/api/v1/users"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["detail"] and "field" in body
    return body


@pytest.mark.spec("F-91")
def test_a_new_key_works_and_records_its_use(holder, new_key):
    key, plaintext = new_key(holder)
    assert key.last_used_at is None
    response = ApiClient(plaintext).get(USERS)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.spec("F-91", "P6")
def test_last_used_is_written_at_most_once_a_minute(holder, new_key):
    key, plaintext = new_key(holder)
    recent = timezone.now() - timedelta(seconds=30)
    key.__class__.objects.filter(pk=key.pk).update(last_used_at=recent)
    ApiClient(plaintext).get(USERS)
    key.refresh_from_db()
    assert key.last_used_at == recent
    old = timezone.now() - timedelta(minutes=5)
    key.__class__.objects.filter(pk=key.pk).update(last_used_at=old)
    ApiClient(plaintext).get(USERS)
    key.refresh_from_db()
    assert key.last_used_at > old


@pytest.mark.spec("F-91", "S1")
@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer ",
        "Bearer fp_unknown",
        "Bearer not-a-portal-key",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "fp_" + "x" * 500,
    ],
)
def test_without_a_valid_key_the_answer_is_401_json(holder, header):
    client = Client(headers={"Authorization": header} if header else {})
    body = assert_error(client.get(USERS), 401, "unauthorized")
    assert "Bearer" in body["detail"]


@pytest.mark.spec("F-91", "S1")
def test_a_revoked_key_is_refused_at_once(holder, new_key):
    key, plaintext = new_key(holder)
    client = ApiClient(plaintext)
    assert client.get(USERS).status_code == 200
    api_key_revoke(actor=make_actor(holder), api_key=key)
    response = client.get(USERS)
    assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.spec("F-91", "S1")
def test_a_bad_key_does_not_fall_back_to_the_session(client: Client, manager):
    client.force_login(manager)
    assert client.get(USERS).status_code == 200
    assert_error(client.get(USERS, headers={"Authorization": "Bearer fp_revoked_or_wrong"}), 401, "unauthorized")


@pytest.mark.spec("F-91", "S2")
def test_scope_missing_is_403(holder, new_key):
    _, read_only = new_key(holder, scopes=["read"])
    _, fleet_only = new_key(holder, scopes=["fleet"])
    invite = {"email": "x@acme.example", "role": "member"}

    assert ApiClient(read_only).get(USERS).status_code == 200
    body = assert_error(ApiClient(read_only).send("post", "/api/v1/invitations", invite), 403, "forbidden")
    assert "users" in body["detail"]
    assert_error(ApiClient(fleet_only).get(USERS), 403, "forbidden")
    assert_error(ApiClient(fleet_only).send("patch", f"{USERS}/1", {"disabled": True}), 403, "forbidden")


@pytest.mark.spec("F-91", "F-11")
def test_a_managers_session_works_and_is_audited_as_api(client: Client, manager):
    from fleetportal.core.models import AuditEvent

    client.force_login(manager)
    response = client.post(
        "/api/v1/invitations", {"email": "sso@acme.example", "role": "member"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(action="invitation.sent")
    assert event.channel == "api" and event.actor == manager


@pytest.mark.spec("F-91", "S2")
@pytest.mark.parametrize("who", ["member", "billing_manager", "staff"])
def test_sessions_without_user_rights_cannot_use_user_endpoints(request, client: Client, who, manager):
    client.force_login(request.getfixturevalue(who))
    target = manager.memberships.get().pk
    assert_error(client.get(USERS), 403, "forbidden")
    assert_error(client.get(f"{USERS}/{target}"), 403, "forbidden")
    patch = client.patch(f"{USERS}/{target}", {"disabled": True}, content_type="application/json")
    assert_error(patch, 403, "forbidden")
    assert manager.memberships.get().status == "validated"


@pytest.mark.spec("F-91", "S9", "F-07")
def test_a_session_still_owing_its_sms_code_is_not_logged_in(client: Client, manager):
    client.force_login(manager)
    session = client.session
    session[session_keys.SMS_PENDING] = True
    session.save()
    assert_error(client.get(USERS), 401, "unauthorized")


@pytest.mark.spec("F-91", "F-05")
def test_a_session_that_must_change_its_password_is_not_logged_in(client: Client, manager):
    manager.must_change_password = True
    manager.save()
    client.force_login(manager)
    assert_error(client.get(USERS), 401, "unauthorized")


@pytest.mark.spec("F-91", "F-11")
def test_session_changes_need_the_csrf_token(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    body = {"email": "csrf@acme.example", "role": "member"}
    assert_error(client.post("/api/v1/invitations", body, content_type="application/json"), 403, "csrf")

    client.get("/api-keys/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/api/v1/invitations", body, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201


@pytest.mark.spec("F-91")
def test_key_calls_need_no_csrf_token(holder, new_key):
    client = ApiClient(new_key(holder)[1], enforce_csrf_checks=True)
    response = client.send("post", "/api/v1/invitations", {"email": "k@acme.example", "role": "member"})
    assert response.status_code == 201
