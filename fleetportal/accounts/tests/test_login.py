"""Logging in: password lockout (S5), login aliases (F-10), login by phone number (F-08, R-I5)
and the SMS code after the password (F-07, R-I4)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.http import HttpResponseBase

from fleetportal.accounts import session as keys
from fleetportal.accounts.models import OneTimeCode
from fleetportal.accounts.tests.pages import comparable
from fleetportal.core.models import AuditEvent
from fleetportal.core.tests.factories import PASSWORD
from fleetportal.notifications.models import OutboxMessage

WRONG_PASSWORD_MESSAGE = "not correct"


def _page(response) -> str:
    """The page without what differs between two renders (the two pages of a test may be sent a
    second apart)."""
    return comparable(response.content.decode())


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- lockout (S5) ---------------------------------------------------------------------------------


@pytest.mark.spec("S5", "S13")
def test_after_five_wrong_passwords_the_right_one_fails_like_a_wrong_one(client, manager) -> None:
    wrong = {"login": manager.email, "password": "not-the-password-1"}
    first_wrong = client.post("/accounts/login/", wrong)
    assert first_wrong.status_code == 200
    assert WRONG_PASSWORD_MESSAGE in first_wrong.content.decode()
    for _ in range(4):
        client.post("/accounts/login/", wrong)
    assert AccessAttempt.objects.filter(username=manager.email).exists()

    locked = client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    another_wrong = client.post("/accounts/login/", wrong)
    assert locked.status_code == another_wrong.status_code == 200
    assert _page(locked) == _page(another_wrong)
    assert not _logged_in(client)
    assert not OutboxMessage.objects.filter(recipient=manager.phone.as_e164).exists()

    failures = AuditEvent.objects.filter(action="login.failed", object_id=str(manager.pk))
    assert failures.count() >= 6
    assert not AuditEvent.objects.filter(action="login.ok").exists()


@pytest.mark.spec("S5")
def test_lockout_also_holds_for_the_alias_of_the_login(client, manager) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"login": "manager@acme", "password": "not-the-password-1"})
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert not _logged_in(client)


@pytest.mark.spec("S5")
def test_four_wrong_passwords_do_not_lock(client, manager, login) -> None:
    for _ in range(4):
        client.post("/accounts/login/", {"login": manager.email, "password": "not-the-password-1"})
    login(client, manager)


@pytest.mark.spec("S5", "S6")
def test_unknown_login_answers_like_a_wrong_password(client, manager) -> None:
    unknown = client.post("/accounts/login/", {"login": "nobody@acme.example", "password": "not-the-password-1"})
    wrong = client.post("/accounts/login/", {"login": manager.email, "password": "not-the-password-1"})
    assert unknown.status_code == wrong.status_code == 200
    assert _page(unknown).replace("nobody@acme.example", manager.email) == _page(wrong)


@pytest.mark.spec("S5", "S9", "F-12")
@pytest.mark.parametrize("how", ["membership disabled", "login deactivated"])
def test_disabled_login_with_the_right_password_answers_like_a_wrong_one(client, member, how) -> None:
    if how == "membership disabled":
        member.memberships.update(status="disabled")
    else:
        member.is_active = False
        member.save()
    right = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    wrong = client.post("/accounts/login/", {"login": member.email, "password": "not-the-password-1"})
    assert right.status_code == wrong.status_code == 200
    assert _page(right) == _page(wrong)
    assert not _logged_in(client)
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(action="login.ok").exists()
    assert AuditEvent.objects.filter(action="login.failed", object_id=str(member.pk)).count() == 2


# --- aliases (F-10) -------------------------------------------------------------------------------


@pytest.mark.spec("F-10")
def test_login_by_alias(client, manager, login) -> None:
    response = client.post("/accounts/login/", {"login": "manager@acme", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)
    assert client.session[keys.SMS_PENDING]


@pytest.mark.spec("F-02", "R-I1")
def test_email_login_is_case_insensitive(client, manager) -> None:
    client.post("/accounts/login/", {"login": " MANAGER@Acme.Example ", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(manager.pk)


@pytest.mark.spec("F-02", "R-I1")
def test_one_login_for_one_address_across_customers(manager, other_customer, other_holder, actor_for) -> None:
    """Invited by another customer, the same address is the same login (one e-mail, one user)."""
    from fleetportal.accounts import actions
    from fleetportal.accounts.models import User

    membership = actions.user_invite(
        actor=actor_for(other_holder), customer=other_customer, email="Manager@ACME.example", role="member"
    )
    assert membership.user == manager
    assert User.objects.filter(email__iexact="manager@acme.example").count() == 1


@pytest.mark.spec("F-10")
def test_alias_is_case_insensitive_and_scoped_to_the_customer(client, manager, other_holder) -> None:
    client.post("/accounts/login/", {"login": "ADMIN@Globex", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(other_holder.pk)
    client.logout()
    client.post("/accounts/login/", {"login": "manager@globex", "password": PASSWORD})
    assert not _logged_in(client)


# --- phone-number login (F-08, R-I5) --------------------------------------------------------------


def _phone_login(client, typed: str, last_code) -> HttpResponseBase:
    response = client.post("/login/phone/", {"step": "number", "phone": typed})
    assert response.status_code == 200
    client.post("/login/phone/", {"step": "send"})
    return client.post("/login/phone/", {"step": "code", "code": last_code(client.session["fp_phone_login_number"])})


@pytest.mark.spec("F-08", "R-I5")
def test_phone_login_with_belgian_national_number(client, member, last_code) -> None:
    response = _phone_login(client, "0470 00 00 03", last_code)
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.session[keys.NUMBER] == "+32470000003"
    assert client.get("/me/").status_code == 200


@pytest.mark.spec("F-08", "R-I5")
def test_phone_login_with_hungarian_national_number(client, other_member, last_code) -> None:
    response = _phone_login(client, "30 000 0002", last_code)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other_member.pk)


@pytest.mark.spec("F-08", "R-I5")
@pytest.mark.parametrize("path", ["/dashboard/", "/users/", "/settings/security/", "/profile/", "/staff/"])
def test_phone_login_session_only_reaches_the_number_pages(client, manager, last_code, path) -> None:
    """Even a manager's number only gives that number's own pages."""
    _phone_login(client, "0470 00 00 02", last_code)
    assert client.session[keys.NUMBER] == "+32470000002"
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/me/"


@pytest.mark.spec("F-08", "S6")
def test_phone_login_unknown_number_sends_nothing_and_answers_the_same(client, member) -> None:
    client.post("/login/phone/", {"step": "number", "phone": "0470 99 99 99"})
    unknown = client.post("/login/phone/", {"step": "send"})
    other = client.__class__()
    other.post("/login/phone/", {"step": "number", "phone": "0470 00 00 03"})
    known = other.post("/login/phone/", {"step": "send"})
    assert unknown.status_code == known.status_code == 200
    assert _page(unknown).replace("+32 470 99 99 99", "+32 470 00 00 03") == _page(known)
    assert not OutboxMessage.objects.filter(recipient="+32470999999").exists()
    assert OutboxMessage.objects.filter(recipient="+32470000003").count() == 1


@pytest.mark.spec("F-08", "S3")
def test_phone_login_wrong_code_is_refused(client, member, last_code) -> None:
    client.post("/login/phone/", {"step": "number", "phone": "0470 00 00 03"})
    client.post("/login/phone/", {"step": "send"})
    code = last_code(member)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post("/login/phone/", {"step": "code", "code": wrong})
    assert response.status_code == 200
    assert "wrong or no longer valid" in response.content.decode()
    assert not _logged_in(client)


@pytest.mark.spec("F-08", "S9")
def test_phone_login_of_a_disabled_membership_is_not_possible(client, member) -> None:
    member.memberships.update(status="disabled")
    client.post("/login/phone/", {"step": "number", "phone": "0470 00 00 03"})
    client.post("/login/phone/", {"step": "send"})
    assert not OutboxMessage.objects.filter(recipient="+32470000003").exists()


@pytest.mark.spec("F-08")
def test_phone_login_limited_functions(client, member, customer, last_code, navigation_registry) -> None:
    from fleetportal.core.navigation import MEMBER, Tile, register_tile

    # The tiles of the number's own line that the apps register are limited by what the holder allows.
    for function, label in (("usage", "See usage"), ("options", "Change options")):
        register_tile(
            Tile(
                key=f"test.{function}",
                label=label,
                url="member_home",
                function=function,
                audiences=frozenset({MEMBER}),
                number_login=True,
            )
        )
    customer.number_login_functions = ["usage"]
    customer.save()
    _phone_login(client, "0470 00 00 03", last_code)
    page = client.get("/me/").content.decode()
    assert "See usage" in page
    assert "Change options" not in page


# --- SMS second factor (F-07, R-I4) ---------------------------------------------------------------


@pytest.mark.spec("F-07", "R-I4")
@pytest.mark.parametrize("path", ["/", "/dashboard/", "/users/", "/me/", "/profile/"])
def test_sms_code_is_owed_before_any_page(client, manager, path) -> None:
    response = client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[keys.SMS_PENDING]
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    assert OutboxMessage.objects.filter(recipient=manager.phone.as_e164, kind="sms").count() == 1


@pytest.mark.spec("F-07", "S3")
def test_wrong_sms_code_refused_right_one_accepted(client, manager, last_code) -> None:
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    code = last_code(manager)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post("/login/code/", {"code": wrong})
    assert response.status_code == 200
    assert "wrong or no longer valid" in response.content.decode()
    assert client.get("/dashboard/")["Location"] == "/login/code/"
    response = client.post("/login/code/", {"code": code})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.spec("F-07")
@pytest.mark.parametrize(
    ("next_page", "landing"),
    [("/users/", "/users/"), ("https://evil.example/", "/"), ("//evil.example/x", "/"), ("javascript:alert(1)", "/")],
)
def test_sms_code_goes_on_to_the_next_page_of_this_site_only(client, manager, last_code, next_page, landing) -> None:
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    response = client.post(f"/login/code/?next={next_page}", {"code": last_code(manager)})
    assert response.status_code == 302
    assert response["Location"] == landing


@pytest.mark.spec("F-07")
def test_the_page_asked_for_before_the_login_comes_after_the_sms_code(client, manager, catalogue, last_code) -> None:
    wanted = "/fleet/lines/?status=active"
    to_login = client.get(wanted)
    assert to_login.status_code == 302 and to_login["Location"].startswith("/accounts/login/?next=")
    to_code = client.post(to_login["Location"], {"login": manager.email, "password": PASSWORD})
    assert to_code["Location"] == "/login/code/?next=%2Ffleet%2Flines%2F%3Fstatus%3Dactive"
    # A resend on the code page keeps the page too.
    OneTimeCode.objects.update(created_at=OneTimeCode.objects.get().created_at.replace(year=2000))
    assert client.post(to_code["Location"], {"resend": "1"})["Location"] == to_code["Location"]
    landed = client.post(to_code["Location"], {"code": last_code(manager)})
    assert landed.status_code == 302 and landed["Location"] == wanted
    assert client.get(wanted).status_code == 200


@pytest.mark.spec("F-07", "S5")
@pytest.mark.parametrize("next_page", ["https://evil.example/", "//evil.example/x"])
def test_an_external_next_page_lands_on_the_home_page_after_the_sms_code(client, manager, last_code, next_page) -> None:
    to_code = client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD, "next": next_page})
    assert to_code["Location"] == "/login/code/"
    landed = client.post(to_code["Location"], {"code": last_code(manager)})
    assert landed["Location"] == "/"


@pytest.mark.spec("F-07", "S4")
def test_sms_resend_sends_a_new_code_that_replaces_the_old(client, manager, last_code) -> None:
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    first = last_code(manager)
    OneTimeCode.objects.update(created_at=OneTimeCode.objects.get().created_at.replace(year=2000))
    response = client.post("/login/code/", {"resend": "1"})
    assert response.status_code == 302
    second = last_code(manager)
    assert OutboxMessage.objects.filter(recipient=manager.phone.as_e164).count() == 2
    if first != second:
        assert client.post("/login/code/", {"code": first}).status_code == 200
    assert client.post("/login/code/", {"code": second}).status_code == 302
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.spec("F-07", "S3")
def test_sms_code_of_another_browser_does_not_work(client, manager, last_code) -> None:
    """The code is bound to the browser's flow: a code sent to another session fails here."""
    other = client.__class__()
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    mine = last_code(manager)
    OneTimeCode.objects.update(created_at=OneTimeCode.objects.get().created_at.replace(year=2000))
    other.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    theirs = last_code(manager)
    if mine != theirs:
        assert client.post("/login/code/", {"code": theirs}).status_code == 200
    assert client.post("/login/code/", {"code": mine}).status_code == 302


@pytest.mark.spec("F-07", "R-I4")
def test_holder_switches_the_sms_step_off_then_logins_are_direct(
    client, holder, manager, customer, login, reauthenticate
) -> None:
    login(client, holder)
    assert client.get("/settings/security/")["Location"].startswith("/accounts/reauthenticate/")
    reauthenticate(client)
    page = client.get("/settings/security/")
    assert page.status_code == 200
    response = client.post("/settings/security/", {"number_login_functions": ["usage"]})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.sms_second_factor is False

    manager_client = client.__class__()
    long_password = "a-much-longer-password-2024"
    manager.set_password(long_password)
    manager.save()
    response = manager_client.post("/accounts/login/", {"login": manager.email, "password": long_password})
    assert response.status_code == 302
    assert not manager_client.session.get(keys.SMS_PENDING)
    assert manager_client.get("/dashboard/").status_code == 200
    assert not OutboxMessage.objects.filter(recipient=manager.phone.as_e164).exists()


@pytest.mark.spec("F-07", "R-I4", "S2")
@pytest.mark.parametrize("who", ["manager", "member", "billing_manager"])
def test_only_the_holder_switches_the_sms_step(client, customer, login, who, request) -> None:
    user = request.getfixturevalue(who)
    login(client, user)
    assert client.get("/settings/security/").status_code == 403
    assert client.post("/settings/security/", {"number_login_functions": []}).status_code == 403
    customer.refresh_from_db()
    assert customer.sms_second_factor is True


@pytest.mark.spec("F-07")
def test_staff_and_logins_without_mobile_have_no_sms_step(client, staff, manager) -> None:
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert not client.session.get(keys.SMS_PENDING)
    assert client.get("/staff/").status_code == 200
