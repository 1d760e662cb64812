"""Sessions (QUALITY S9): a new id at login, idle and absolute timeouts, disabled logins lose
their sessions at the next request, cookie flags, re-authentication before changing the mobile
number or the second factor."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.test import Client

from fleetportal.core.tests.factories import PASSWORD

pytestmark = pytest.mark.spec("S9")

AUTH_RECORDS = "account_authentication_methods"  # allauth's log of how the session authenticated


def _later(seconds: int):
    """The access gate's clock, `seconds` from now."""
    return mock.patch("fleetportal.accounts.middleware.time.time", return_value=time.time() + seconds)


def _age_authentication(client: Client, seconds: int) -> None:
    session = client.session
    session[AUTH_RECORDS] = [{**record, "at": record["at"] - seconds} for record in session[AUTH_RECORDS]]
    session.save()


@pytest.mark.spec("F-07")
def test_session_id_changes_at_login_and_after_the_sms_code(client, manager, last_code) -> None:
    session = client.session
    session["before_login"] = True
    session.save()
    anonymous_key = client.cookies["sessionid"].value
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    password_key = client.cookies["sessionid"].value
    assert password_key != anonymous_key
    client.post("/login/code/", {"code": last_code(manager)})
    assert client.cookies["sessionid"].value not in (anonymous_key, password_key)
    assert client.get("/dashboard/").status_code == 200


def test_session_cookie_flags(client, manager, login) -> None:
    login(client, manager)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize("path", ["/dashboard/", "/users/", "/me/"])
def test_idle_timeout_logs_out(client, manager, login, settings, path) -> None:
    settings.SESSION_IDLE_SECONDS = 600
    login(client, manager)
    assert client.get("/dashboard/").status_code == 200
    with _later(599):
        assert client.get(path).status_code in (200, 302)
        assert "_auth_user_id" in client.session
    with _later(599 + 601):
        response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_session_alive_within_the_idle_limit(client, manager, login, settings) -> None:
    settings.SESSION_IDLE_SECONDS = 600
    login(client, manager)
    client.get("/dashboard/")
    for minutes in (8, 16, 24):
        with _later(minutes * 60):
            assert client.get("/dashboard/").status_code == 200


def test_absolute_timeout_logs_out_an_active_session(client, manager, login, settings) -> None:
    settings.SESSION_IDLE_SECONDS = 600
    settings.SESSION_COOKIE_AGE = 3600
    login(client, manager)
    client.get("/dashboard/")
    for minutes in range(8, 60, 8):  # active every 8 minutes for almost an hour
        with _later(minutes * 60):
            assert client.get("/dashboard/").status_code == 200
    with _later(3601):
        assert client.get("/dashboard/")["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


@pytest.mark.spec("F-12")
def test_disabled_membership_loses_its_session_at_the_next_request(client, manager, member, login) -> None:
    member_client = Client()
    login(member_client, member)
    assert member_client.get("/me/").status_code == 200
    login(client, manager)
    client.post(f"/users/{member.memberships.get().pk}/", {"operation": "disable"})
    response = member_client.get("/me/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in member_client.session


def test_deactivated_login_loses_its_session(client, manager, login) -> None:
    login(client, manager)
    manager.is_active = False
    manager.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.spec("F-06")
def test_password_reset_ends_the_other_sessions(client, member, login, last_code, age_codes) -> None:
    login(client, member)
    age_codes()  # past the resend limit of the login's SMS code
    other = Client()
    other.post("/password/forgot/", {"login": member.email, "channel": "email"})
    new = "Tq8-zr5w-Lk3-pX"
    other.post("/password/forgot/code/", {"code": last_code(member.email), "password1": new, "password2": new})
    member.refresh_from_db()
    assert member.check_password(new)
    response = client.get("/me/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client, manager, login) -> None:
    login(client, manager)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/dashboard/")["Location"].startswith("/accounts/login/")


def _reauthenticate(client: Client, response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert client.post(response["Location"], {"password": PASSWORD}).status_code == 302


def test_profile_asks_for_the_password_again(client, member, login) -> None:
    login(client, member)
    _reauthenticate(client, client.get("/profile/"))
    assert client.get("/profile/").status_code == 200
    _age_authentication(client, 301)
    response = client.post("/profile/", {"language": "en", "phone": "0470 55 55 55"})
    assert response["Location"].startswith("/accounts/reauthenticate/")
    member.refresh_from_db()
    assert member.phone.as_e164 == "+32470000003"
    _reauthenticate(client, response)
    assert client.post("/profile/", {"language": "en", "phone": "0470 55 55 55"}).status_code == 302
    member.refresh_from_db()
    assert member.phone.as_e164 == "+32470555555"


def test_reauthentication_with_a_wrong_password_fails(client, member, login) -> None:
    login(client, member)
    response = client.get("/profile/")
    assert client.post(response["Location"], {"password": "not-the-password-1"}).status_code == 200
    assert client.get("/profile/")["Location"].startswith("/accounts/reauthenticate/")


@pytest.mark.spec("R-I4", "F-07")
def test_switching_the_second_factor_asks_for_the_password_again(client, holder, customer, login) -> None:
    login(client, holder)
    response = client.post("/settings/security/", {"number_login_functions": ["usage"]})
    assert response["Location"].startswith("/accounts/reauthenticate/")
    customer.refresh_from_db()
    assert customer.sms_second_factor is True
    assert customer.number_login_functions == []
    _reauthenticate(client, response)
    assert client.post("/settings/security/", {"number_login_functions": ["usage"]}).status_code == 302
    customer.refresh_from_db()
    assert customer.sms_second_factor is False
    _age_authentication(client, 301)
    response = client.post("/settings/security/", {"sms_second_factor": "on"})
    assert response["Location"].startswith("/accounts/reauthenticate/")
    customer.refresh_from_db()
    assert customer.sms_second_factor is False
