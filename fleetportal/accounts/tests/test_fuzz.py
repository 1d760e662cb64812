"""Bad input of every kind on the login pages gets an answer, never a server error (R3), on
SQLite and PostgreSQL (which refuses NUL characters in text)."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fleetportal.accounts import session as keys
from fleetportal.core.tests.factories import PASSWORD

pytestmark = pytest.mark.spec("R3")

junk = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        ["\x00", "a\x00b@acme.example", "manager@acme\x00", "０４７０１２３４５６", "+" + "9" * 80, "' OR 1=1--"]
    ),
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ANSWERS = {200, 302, 410, 429}


@FUZZ
@given(login=junk, password=junk)
@example(login="manager@acme.example\x00", password=PASSWORD)
@example(login="\x00", password="\x00")
def test_login_page(db, manager, login, password) -> None:
    response = Client().post("/accounts/login/", {"login": login, "password": password})
    assert response.status_code in ANSWERS


@FUZZ
@given(login=junk, channel=junk)
@example(login="member@acme.example\x00", channel="email")
def test_forgot_password(db, member, login, channel) -> None:
    response = Client().post("/password/forgot/", {"login": login, "channel": channel})
    assert response.status_code in ANSWERS


@FUZZ
@given(code=junk, password=junk)
def test_reset_code_page(db, member, code, password) -> None:
    client = Client()
    session = client.session
    session[keys.flow_key("reset")] = "some-flow"
    session.save()
    response = client.post("/password/forgot/code/", {"code": code, "password1": password, "password2": password})
    assert response.status_code in ANSWERS


@FUZZ
@given(email=junk, phone=junk)
@example(email="contract@acme.example", phone="0471 90 00 00\x00")
def test_claim(db, customer, email, phone) -> None:
    response = Client().post("/login/claim/", {"email": email, "phone": phone})
    assert response.status_code in ANSWERS


@FUZZ
@given(step=junk, phone=junk, code=junk)
def test_phone_login(db, member, step, phone, code) -> None:
    client = Client()
    client.post("/login/phone/", {"step": "number", "phone": "0470 00 00 03"})
    for data in ({"step": "number", "phone": phone}, {"step": step, "code": code}, {"step": "code", "code": code}):
        assert client.post("/login/phone/", data).status_code in ANSWERS


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["first_name", "last_name", "phone", "language", "password1"]), junk))
def test_invitation_accept(db, invited, invitation_link, data) -> None:
    response = Client().post(invitation_link(invited), {**data, "password2": data.get("password1", "")})
    assert response.status_code in ANSWERS


@FUZZ
@given(token=st.text(alphabet=st.characters(blacklist_characters="/?#%", blacklist_categories=["Cs"]), min_size=1))
def test_invitation_token(db, token) -> None:
    assert Client().get(f"/invite/{token}/").status_code in {404, 410}


@FUZZ
@given(code=junk)
def test_sms_code_page(db, manager, code) -> None:
    client = Client()
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert client.post("/login/code/", {"code": code}).status_code in ANSWERS
