"""TOTP and recovery codes (allauth.mfa) as stronger alternatives to the SMS code (F-07)."""

import time

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

from fleetportal.conftest import PASSWORD
from fleetportal.notifications.models import OutboxMessage


def _current_totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def totp_manager(manager):
    secret = generate_totp_secret()
    TOTP.activate(manager, secret)
    RecoveryCodes.activate(manager)
    return manager, secret


@pytest.mark.spec("F-07")
def test_totp_replaces_the_sms_code(client, totp_manager):
    manager, secret = totp_manager
    response = client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get("/dashboard/").status_code == 302  # not logged in before the TOTP code

    response = client.post("/accounts/2fa/authenticate/", {"code": _current_totp(secret)})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert not OutboxMessage.objects.filter(kind="sms", recipient=manager.phone.as_e164).exists()


@pytest.mark.spec("F-07")
def test_a_wrong_totp_code_does_not_log_in(client, totp_manager):
    manager, _secret = totp_manager
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.spec("F-07")
def test_a_recovery_code_logs_in_once(client, totp_manager):
    manager, _secret = totp_manager
    code = RecoveryCodes(manager.authenticator_set.get(type="recovery_codes")).get_unused_codes()[0]
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert client.get("/dashboard/").status_code == 200

    client.logout()
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 200


@pytest.mark.spec("F-07", "S9")
def test_activating_totp_asks_for_the_password_again(client, manager, login):
    login(client, manager)
    assert client.get("/accounts/2fa/").status_code == 200
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")  # S9: password again first

    client.post(response["Location"], {"password": PASSWORD})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    assert b'name="code"' in response.content
