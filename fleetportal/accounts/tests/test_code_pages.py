"""A second code within a minute (issue 11; QUALITY S3, S4): the one-a-minute limit stays, and
the code page says plainly that a code was asked for less than a minute ago, which code counts
on this page, when a new one can be asked, and offers it then by an htmx countdown.

A code belongs to the page (the browser's flow) that asked for it: another browser's code never
works here, the same page's earlier code still does, and after a resend only the newest counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.accounts import session as keys
from fleetportal.accounts.codes import CodeRequest, TooManyCodes, issue_code, new_flow_id, next_code_at
from fleetportal.accounts.models import OneTimeCode
from fleetportal.accounts.tests.pages import comparable
from fleetportal.core.tests.factories import PASSWORD
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.spec("S3", "S4")

OTHER_WINDOW = "A code was asked for less than a minute ago in another window or browser, so no new code was sent."
DOES_NOT_WORK = "That code does not work on this page."
STILL_COUNTS = "A code was asked for less than a minute ago, so no new code was sent: the code sent at"
NEWEST = "Only the newest code sent to this page counts."
WRONG = "This code is wrong or no longer valid."
NEW_PASSWORD = "New-long-pass-9876"


def _age(seconds: int) -> None:
    """Move every code `seconds` into the past (and the pages' countdowns with them)."""
    OneTimeCode.objects.update(
        created_at=timezone.now() - timedelta(seconds=seconds),
        expires_at=timezone.now() - timedelta(seconds=seconds) + timedelta(minutes=5),
    )


def _catch_up(client: Client, purpose: str, seconds: int) -> None:
    """The page's countdown, kept in its session, moves into the past as the codes did."""
    session = client.session
    state = session[f"fp_code_state:{purpose}"]
    state["at"] -= seconds
    session[f"fp_code_state:{purpose}"] = state
    session.save()


def _sms(number: str) -> int:
    return OutboxMessage.objects.filter(recipient=number).count()


def _countdown(page: str) -> re.Match[str]:
    found = re.search(r'<div id="resend" class="resend" hx-get="([^"]+)" hx-trigger="load delay:(\d+)s"', page)
    assert found, "no countdown on the page"
    return found


def _resend_form(page: str) -> str:
    found = re.search(r'<div id="resend" class="resend">\s*<form method="post" action="([^"]+)">', page)
    assert found, "no enabled 'send a new code' on the page"
    return found.group(1)


# --- the SMS step after the password (F-07) --------------------------------------------------------


@pytest.mark.spec("F-07")
def test_a_second_login_within_a_minute_says_so_and_counts_down(manager, last_code) -> None:
    phone = manager.phone.as_e164
    first, second = Client(), Client()
    first.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    first_code = last_code(manager)
    assert _sms(phone) == 1

    second.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert _sms(phone) == 1  # the limit stays: no second SMS within the minute
    page = second.get("/login/code/").content.decode()
    assert OTHER_WINDOW in page and DOES_NOT_WORK in page
    assert "We sent a 6-digit code" not in page  # it did not, for this page
    assert re.search(r"You can ask for a new code at \d\d:\d\d:\d\d, in (59|60) seconds\.", page)
    assert "<script" not in page.split("<main", 1)[1]  # no inline script (CSP); htmx does the countdown
    poll, delay = _countdown(page).groups()
    assert delay == "1" and poll == "/login/code/wait/login_sms/"
    assert re.search(r'<button type="button" class="secondary outline" disabled>Send me a new code</button>', page)

    # The first browser's code is refused here, and still works there.
    assert second.post("/login/code/", {"code": first_code}).status_code == 200
    assert second.session.get(keys.SMS_PENDING)

    # The countdown asks again; when the minute is over it offers the resend.
    waiting = second.get(poll).content.decode()
    assert 'hx-trigger="load delay:1s"' in waiting and "You can ask for a new code now." not in waiting
    _age(61)
    _catch_up(second, OneTimeCode.Purpose.LOGIN_SMS, 61)
    ready = second.get(poll).content.decode()
    assert "hx-get" not in ready  # no more polling
    assert _resend_form(ready) == "/login/code/"
    assert '<p id="resend-status" hx-swap-oob="innerHTML">You can ask for a new code now.</p>' in ready

    assert second.post("/login/code/", {"resend": "1"}).status_code == 302
    assert _sms(phone) == 2
    page = second.get("/login/code/").content.decode()
    assert "We sent a 6-digit code" in page and NEWEST in page and OTHER_WINDOW not in page
    assert second.post("/login/code/", {"code": last_code(manager)}).status_code == 302
    assert first.post("/login/code/", {"code": first_code}).status_code == 302


@pytest.mark.spec("F-07")
def test_a_resend_ends_the_earlier_code_of_the_page(client, manager, last_code) -> None:
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    earlier = last_code(manager)
    page = client.get("/login/code/").content.decode()
    assert NEWEST in page and re.search(r"Code sent at \d\d:\d\d:\d\d, valid until \d\d:\d\d:\d\d\.", page)
    _countdown(page)  # the resend waits for the minute on the same page too
    _age(61)
    _catch_up(client, OneTimeCode.Purpose.LOGIN_SMS, 61)
    assert _resend_form(client.get("/login/code/").content.decode()) == "/login/code/"
    client.post("/login/code/", {"resend": "1"})
    newer = last_code(manager)
    if newer != earlier:
        assert WRONG in client.post("/login/code/", {"code": earlier}).content.decode()
    assert client.post("/login/code/", {"code": newer}).status_code == 302


@pytest.mark.spec("F-07")
def test_the_countdown_keeps_the_next_page(client, manager) -> None:
    client.post("/accounts/login/?next=/fleet/lines/", {"login": manager.email, "password": PASSWORD})
    other = Client()
    other.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    page = other.get("/login/code/?next=/fleet/lines/").content.decode()
    assert _countdown(page).group(1) == "/login/code/wait/login_sms/?next=%2Ffleet%2Flines%2F"
    _catch_up(other, OneTimeCode.Purpose.LOGIN_SMS, 61)
    ready = other.get("/login/code/wait/login_sms/?next=https://evil.example/").content.decode()
    assert _resend_form(ready) == "/login/code/"  # a foreign next is dropped


def test_the_countdown_of_an_unknown_flow_is_404(client) -> None:
    assert client.get("/login/code/wait/nothing/").status_code == 404


# --- login by phone number (F-08) ------------------------------------------------------------------


def _phone_send(client: Client, number: str = "0470 00 00 03"):
    client.post("/login/phone/", {"step": "number", "phone": number})
    return client.post("/login/phone/", {"step": "send"})


@pytest.mark.spec("F-08")
def test_phone_login_from_a_second_browser_within_a_minute(member, last_code) -> None:
    first, second = Client(), Client()
    assert _phone_send(first).status_code == 200
    code = last_code(member)
    answer = _phone_send(second)
    assert answer.status_code == 429
    page = answer.content.decode()
    assert OTHER_WINDOW in page and DOES_NOT_WORK in page
    assert "has received a 6-digit code" not in page
    assert _countdown(page).group(1) == "/login/code/wait/phone_login/"
    assert _sms(member.phone.as_e164) == 1
    refused = second.post("/login/phone/", {"step": "code", "code": code})
    assert WRONG in refused.content.decode()

    _age(61)
    _catch_up(second, OneTimeCode.Purpose.PHONE_LOGIN, 61)
    ready = second.get("/login/code/wait/phone_login/").content.decode()
    assert _resend_form(ready) == "/login/phone/" and 'name="step" value="send"' in ready
    page = second.post("/login/phone/", {"step": "send"}).content.decode()
    assert NEWEST in page and "has received a 6-digit code" in page
    assert second.post("/login/phone/", {"step": "code", "code": last_code(member)}).status_code == 302
    assert first.post("/login/phone/", {"step": "code", "code": code}).status_code == 302


@pytest.mark.spec("F-08")
def test_phone_login_asked_again_in_the_same_browser_keeps_the_earlier_code(client, member, last_code) -> None:
    _phone_send(client)
    code = last_code(member)
    again = _phone_send(client)
    assert again.status_code == 429
    assert STILL_COUNTS in again.content.decode()
    assert client.post("/login/phone/", {"step": "code", "code": code}).status_code == 302


@pytest.mark.spec("F-08")
def test_another_numbers_code_does_not_count(client, member, manager, last_code) -> None:
    """The page's code was for another number: refused for this one, the page has no code."""
    _phone_send(client, "0470 00 00 03")
    member_code = last_code(member)
    _phone_send(Client(), "0470 00 00 02")  # the manager's number, from another browser
    page = _phone_send(client, "0470 00 00 02").content.decode()
    assert OTHER_WINDOW in page and NEWEST not in page
    assert WRONG in client.post("/login/phone/", {"step": "code", "code": member_code}).content.decode()


@pytest.mark.spec("F-08", "S6")
def test_phone_login_asked_twice_says_the_same_for_an_unknown_number(member) -> None:
    pages = []
    for number, shown in (("0470 99 99 99", "+32 470 99 99 99"), ("0470 00 00 03", "+32 470 00 00 03")):
        client = Client()
        _phone_send(client, number)
        answer = _phone_send(client, number)
        text = comparable(answer.content.decode().replace(shown, "NUMBER"))
        pages.append((answer.status_code, text))
    assert pages[0] == pages[1]
    assert pages[0][0] == 429


# --- reset by SMS (and e-mail) (F-06) ---------------------------------------------------------------


@pytest.mark.spec("F-06")
def test_reset_from_a_second_browser_within_a_minute(manager, last_code) -> None:
    first, second = Client(), Client()
    assert first.post("/password/forgot/", {"login": manager.email, "channel": "sms"}).status_code == 302
    code = last_code(manager)
    answer = second.post("/password/forgot/", {"login": manager.email, "channel": "sms"})
    assert answer.status_code == 429
    page = answer.content.decode()
    assert OTHER_WINDOW in page and DOES_NOT_WORK in page
    assert _countdown(page).group(1) == "/login/code/wait/reset/"
    refused = second.post(
        "/password/forgot/code/", {"code": code, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert WRONG in refused.content.decode()

    _age(61)
    _catch_up(second, OneTimeCode.Purpose.PASSWORD_RESET, 61)
    ready = second.get("/login/code/wait/reset/").content.decode()
    assert _resend_form(ready) == "/password/forgot/code/"
    assert second.post("/password/forgot/code/", {"resend": "1"})["Location"] == "/password/forgot/code/"
    assert _sms(manager.phone.as_e164) == 2
    page = second.get("/password/forgot/code/").content.decode()
    assert NEWEST in page and OTHER_WINDOW not in page
    done = second.post(
        "/password/forgot/code/", {"code": last_code(manager), "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done["Location"] == "/accounts/login/"


@pytest.mark.spec("F-06")
def test_reset_asked_again_in_the_same_browser_keeps_the_earlier_code(client, manager, last_code) -> None:
    client.post("/password/forgot/", {"login": manager.email, "channel": "sms"})
    code = last_code(manager)
    again = client.post("/password/forgot/", {"login": manager.email, "channel": "sms"})
    assert again.status_code == 429
    assert STILL_COUNTS in again.content.decode()
    done = client.post("/password/forgot/code/", {"code": code, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done["Location"] == "/accounts/login/"


@pytest.mark.spec("F-06")
def test_reset_for_another_login_keeps_no_code_of_the_first(client, manager, member, last_code) -> None:
    client.post("/password/forgot/", {"login": manager.email, "channel": "email"})
    client.post("/password/forgot/", {"login": member.email, "channel": "email"})  # another login: sent
    member_code = last_code(member.email)
    assert NEWEST in client.get("/password/forgot/code/").content.decode()
    refused = client.post("/password/forgot/", {"login": manager.email, "channel": "email"})
    assert refused.status_code == 429
    assert DOES_NOT_WORK in refused.content.decode() and NEWEST not in refused.content.decode()
    answer = client.post(
        "/password/forgot/code/", {"code": member_code, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert WRONG in answer.content.decode()  # the page is the manager's now


# --- the limits' times (codes.py) ------------------------------------------------------------------


def _request(target: str, purpose: str = OneTimeCode.Purpose.PASSWORD_RESET, user=None) -> CodeRequest:
    return CodeRequest(
        purpose=purpose, channel="sms", target=target, flow_id=new_flow_id(), language="en", user=user, ip_address=None
    )


@pytest.mark.django_db
def test_a_refusal_says_until_when(member) -> None:
    first = issue_code(_request("+32470555001"))
    wait = next_code_at(_request("+32470555001"))
    assert wait is not None and wait.recent and wait.until == first.created_at + timedelta(minutes=1)
    with pytest.raises(TooManyCodes) as refused:
        issue_code(_request("+32470555001"))
    assert refused.value.recent and refused.value.retry_at == wait.until
    assert next_code_at(_request("+32470555002")) is None


@pytest.mark.django_db
def test_over_the_hourly_limit_the_wait_is_the_hours(member) -> None:
    for n in range(5):
        OneTimeCode.objects.update(created_at=timezone.now() - timedelta(minutes=50 - n))
        issue_code(_request(f"+3247055510{n}", user=member))
    oldest = OneTimeCode.objects.order_by("created_at").first()
    assert oldest is not None
    wait = next_code_at(_request("+32470555200", user=member))
    assert wait is not None and not wait.recent
    assert wait.until == oldest.created_at + timedelta(hours=1)
    with pytest.raises(TooManyCodes) as refused:
        issue_code(_request("+32470555200", user=member))
    assert not refused.value.recent


# --- "No login yet?" (F-04) --------------------------------------------------------------------


@pytest.mark.spec("F-04")
def test_claim_from_a_second_browser_within_a_minute(customer, last_code) -> None:
    contract = customer.contracts.get()
    asked = {"email": contract.contact_email, "phone": contract.contact_mobile}
    first, second = Client(), Client()
    assert first.post("/login/claim/", asked)["Location"] == "/login/claim/code/"
    code = last_code(contract.contact_mobile)
    answer = second.post("/login/claim/", asked)
    assert answer.status_code == 429
    page = answer.content.decode()
    assert OTHER_WINDOW in page and DOES_NOT_WORK in page
    assert _countdown(page).group(1) == "/login/code/wait/claim/"
    refused = second.post("/login/claim/code/", {"code": code, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert WRONG in refused.content.decode()

    _age(61)
    _catch_up(second, OneTimeCode.Purpose.CLAIM, 61)
    ready = second.get("/login/code/wait/claim/").content.decode()
    assert _resend_form(ready) == "/login/claim/code/"
    assert second.post("/login/claim/code/", {"resend": "1"})["Location"] == "/login/claim/code/"
    assert _sms(contract.contact_mobile) == 2
    page = second.get("/login/claim/code/").content.decode()
    assert NEWEST in page and OTHER_WINDOW not in page
    done = second.post(
        "/login/claim/code/",
        {"code": last_code(contract.contact_mobile), "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert done["Location"] == "/"
