"""Passwords (QUALITY S7): at least 8 characters, 15 when the customer switched the SMS code
off, long ones allowed, common ones refused; temporary passwords must be changed before
anything else works (F-05, R-I3)."""

from __future__ import annotations

import re

import pytest

from fleetportal.accounts import actions
from fleetportal.accounts.models import User
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent
from fleetportal.core.tests.factories import PASSWORD
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.spec("S7")


def _set(actor_for, user: User, password: str) -> None:
    actions.password_set(actor=actor_for(user), user=user, password=password)


@pytest.mark.parametrize("password", ["", "Ab1-xyz", "7-chars"])
def test_shorter_than_8_is_refused(member, actor_for, password) -> None:
    with pytest.raises(ActionError) as refused:
        _set(actor_for, member, password)
    assert refused.value.field == "password"
    assert "too short" in str(refused.value.message)
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_8_characters_are_enough_with_the_sms_step(member, actor_for) -> None:
    _set(actor_for, member, "Tq8-zr5w")
    member.refresh_from_db()
    assert member.check_password("Tq8-zr5w")


def test_15_characters_needed_when_the_sms_step_is_off(member, customer, actor_for) -> None:
    customer.sms_second_factor = False
    customer.save()
    with pytest.raises(ActionError, match="at least 15"):
        _set(actor_for, member, "Tq8-zr5w-Lk3-p")  # 14
    _set(actor_for, member, "Tq8-zr5w-Lk3-pX")  # 15
    member.refresh_from_db()
    assert member.check_password("Tq8-zr5w-Lk3-pX")


@pytest.mark.parametrize("length", [64, 128])
def test_long_passwords_are_allowed(member, actor_for, length) -> None:
    password = ("Tq8-zr5w-Lk3-pX!" * 9)[:length]
    _set(actor_for, member, password)
    member.refresh_from_db()
    assert member.check_password(password)


@pytest.mark.parametrize("password", ["qwertyuiop", "Password1234", "iloveyou123", "1234567890"])
def test_common_passwords_are_refused(member, actor_for, password) -> None:
    with pytest.raises(ActionError):
        _set(actor_for, member, password)


def test_password_like_the_email_is_refused(member, actor_for) -> None:
    with pytest.raises(ActionError, match="too similar"):
        _set(actor_for, member, "member@acme.example")


@pytest.mark.spec("R-I4")
def test_short_password_at_login_forces_a_change_when_the_sms_step_is_off(client, member, customer) -> None:
    member.set_password("Tq8-zr5w-ab")  # 11 characters: fine with the SMS step, too short without
    member.save()
    customer.sms_second_factor = False
    customer.save()
    response = client.post("/accounts/login/", {"login": member.email, "password": "Tq8-zr5w-ab"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.must_change_password
    for path in ("/", "/me/", "/profile/"):
        assert client.get(path)["Location"] == "/password/change-required/"
    response = client.post("/password/change-required/", {"password1": "Tq8-zr5w-ab-12", "password2": "Tq8-zr5w-ab-12"})
    assert response.status_code == 200
    assert "at least 15" in response.content.decode()
    response = client.post(
        "/password/change-required/", {"password1": "Tq8-zr5w-ab-123", "password2": "Tq8-zr5w-ab-123"}
    )
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


@pytest.mark.spec("R-I4")
def test_long_password_at_login_with_the_sms_step_off_is_not_forced_to_change(client, member, customer) -> None:
    customer.sms_second_factor = False
    customer.save()
    client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})  # 17 characters
    member.refresh_from_db()
    assert not member.must_change_password
    assert client.get("/me/").status_code == 200


def _temporary_password(user: User) -> str:
    body = OutboxMessage.objects.filter(recipient=user.email).latest("id").body
    found = re.search(r"temporary password was set for your login: (\S+)", body)
    assert found, body
    return found.group(1)


@pytest.mark.spec("F-05", "R-I3", "S13")
@pytest.mark.parametrize("by", ["holder", "staff"])
def test_temporary_password_must_be_changed_before_anything_else(client, login, actor_for, member, by, request) -> None:
    setter = request.getfixturevalue(by)
    membership = member.memberships.get()
    if by == "holder":  # the holder on the user page, staff through the action (no back-office page yet)
        login(client, setter)
        response = client.post(f"/users/{membership.pk}/", {"operation": "temporary_password"})
        assert response.status_code == 302
    else:
        actions.user_set_temporary_password(actor=actor_for(setter), membership=membership)
    temporary = _temporary_password(member)
    assert len(temporary) >= 15
    event = AuditEvent.objects.get(action="password.temporary_set")
    assert event.actor == setter

    member_client = client.__class__()
    login(member_client, member, password=temporary)
    for path in ("/", "/me/", "/dashboard/", "/users/", "/profile/", "/settings/security/"):
        response = member_client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/password/change-required/", path
    assert member_client.get("/password/change-required/").status_code == 200

    response = member_client.post("/password/change-required/", {"password1": "qwertyuiop", "password2": "qwertyuiop"})
    assert response.status_code == 200
    assert member_client.get("/me/")["Location"] == "/password/change-required/"

    new = "Tq8-zr5w-Lk3-pX"
    response = member_client.post("/password/change-required/", {"password1": new, "password2": new})
    assert response.status_code == 302
    assert member_client.get("/me/").status_code == 200  # the session survives the change
    member.refresh_from_db()
    assert not member.must_change_password
    assert member.check_password(new)
    assert not member.check_password(temporary)


@pytest.mark.spec("F-05", "S2")
def test_a_manager_cannot_set_a_temporary_password(client, login, manager, member) -> None:
    login(client, manager)
    membership = member.memberships.get()
    client.post(f"/users/{membership.pk}/", {"operation": "temporary_password"})
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert not member.must_change_password
    assert not OutboxMessage.objects.filter(recipient=member.email).exists()


@pytest.mark.spec("F-05", "F-01")
def test_nobody_but_staff_sets_a_temporary_password_for_the_holder(holder, staff, actor_for) -> None:
    membership = holder.memberships.get()
    with pytest.raises(PermissionDeniedError):
        actions.user_set_temporary_password(actor=actor_for(holder), membership=membership)
    actions.user_set_temporary_password(actor=actor_for(staff), membership=membership)
    holder.refresh_from_db()
    assert holder.must_change_password


@pytest.mark.spec("S9")
def test_forced_change_page_does_not_change_the_password_of_a_normal_session(client, login, member) -> None:
    """Without a temporary password the page is no way around the current password."""
    login(client, member)
    new = "Tq8-zr5w-Lk3-pX"
    response = client.post("/password/change-required/", {"password1": new, "password2": new})
    assert response.status_code == 302
    assert response["Location"] == "/"
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_anonymous_forced_change_page_sends_to_login(client) -> None:
    response = client.get("/password/change-required/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.spec("F-06", "S13")
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_reset_with_a_wrong_code_changes_nothing(client, member, last_code, channel) -> None:
    client.post("/password/forgot/", {"login": member.email, "channel": channel})
    code = last_code(member.email if channel == "email" else member)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(
        "/password/forgot/code/", {"code": wrong, "password1": "Tq8-zr5w-Lk3", "password2": "Tq8-zr5w-Lk3"}
    )
    assert response.status_code == 200
    assert "wrong or no longer valid" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


@pytest.mark.spec("F-06", "S13")
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_reset_by_code_sets_the_new_password(client, member, last_code, channel) -> None:
    client.post("/password/forgot/", {"login": member.email, "channel": channel})
    code = last_code(member.email if channel == "email" else member)
    response = client.post(
        "/password/forgot/code/", {"code": code, "password1": "Tq8-zr5w-Lk3", "password2": "Tq8-zr5w-Lk3"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    member.refresh_from_db()
    assert member.check_password("Tq8-zr5w-Lk3")
    event = AuditEvent.objects.get(action="password.reset")
    assert event.actor == member and event.customer == member.memberships.get().customer
    again = client.post("/password/forgot/code/", {"code": code, "password1": "Zz9-other", "password2": "Zz9-other"})
    assert again["Location"] == "/password/forgot/"  # the flow is over; the code does not work twice
    member.refresh_from_db()
    assert member.check_password("Tq8-zr5w-Lk3")
