"""Flows that follow one another: a reset code must not hold up the login code after it."""

import pytest

from fleetportal.accounts.models import OneTimeCode


@pytest.mark.spec("F-06", "F-07", "S4")
def test_login_code_right_after_a_reset_code_is_sent(client, manager, last_code):
    client.post("/password/forgot/", {"login": manager.email, "channel": "sms"})
    reset_code = last_code(manager)
    client.post(
        "/password/forgot/code/",
        {"code": reset_code, "password1": "New-long-pass-9876", "password2": "New-long-pass-9876"},
    )
    response = client.post("/accounts/login/", {"login": manager.email, "password": "New-long-pass-9876"})
    assert response.status_code == 302
    purposes = list(OneTimeCode.objects.filter(user=manager).order_by("created_at").values_list("purpose", flat=True))
    assert purposes == [OneTimeCode.Purpose.PASSWORD_RESET, OneTimeCode.Purpose.LOGIN_SMS]
    assert client.post("/login/code/", {"code": last_code(manager)}).status_code == 302
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.spec("S4")
def test_a_second_code_of_the_same_purpose_within_a_minute_is_refused(client, manager):
    client.post("/password/forgot/", {"login": manager.email, "channel": "sms"})
    response = client.post("/password/forgot/", {"login": manager.email, "channel": "sms"})
    assert response.status_code == 429
    assert OneTimeCode.objects.filter(user=manager).count() == 1


@pytest.mark.spec("F-06", "S8")
def test_reset_by_link_is_not_offered(client):
    response = client.get("/accounts/password/reset/")
    assert response.status_code == 302
    assert response["Location"] == "/password/forgot/"


@pytest.mark.spec("F-08")
def test_number_login_header_shows_the_number_readably(client, member, last_code):
    client.post("/login/phone/", {"step": "number", "phone": "0470 00 00 03"})
    client.post("/login/phone/", {"step": "send"})
    client.post("/login/phone/", {"step": "code", "code": last_code("+32470000003")})
    page = client.get("/me/").content.decode()
    assert "+32 470 00 00 03" in page


@pytest.mark.spec("F-09")
def test_the_menu_offers_only_the_functions_a_manager_has(client, billing_manager, manager, login):
    login(client, billing_manager)
    page = client.get("/dashboard/").content.decode()
    assert 'href="/users/"' not in page and 'href="/api-keys/"' not in page
    client.logout()
    login(client, manager)
    page = client.get("/dashboard/").content.decode()
    assert 'href="/users/"' in page and 'href="/api-keys/"' in page


@pytest.mark.spec("F-02", "R-I1")
def test_one_login_per_address_whatever_its_case(manager):
    from django.db import IntegrityError, transaction

    from fleetportal.accounts.models import User

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=manager.email.upper())
