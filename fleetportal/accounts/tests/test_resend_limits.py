"""Resend limits (QUALITY S4): at most 1 code a minute and 5 an hour per number and per account,
caps per IP address and per customer; over a limit a clear 429 page."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from fleetportal.accounts import session as keys
from fleetportal.accounts.codes import CodeRequest, TooManyCodes, issue_code, new_flow_id
from fleetportal.accounts.models import OneTimeCode
from fleetportal.core.tests.factories import PASSWORD, MembershipFactory
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.spec("S4")

TOO_MANY = "Too many codes were requested"
SENT_RECENTLY = "A code was asked for less than a minute ago, so no new code was sent"


def _age(minutes: int) -> None:
    """Move every code `minutes` into the past."""
    OneTimeCode.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


def _request(target: str, *, user=None, customer=None, ip: str | None = "10.0.0.1") -> CodeRequest:
    return CodeRequest(
        purpose=OneTimeCode.Purpose.PASSWORD_RESET,
        channel=OneTimeCode.Channel.SMS,
        target=target,
        flow_id=new_flow_id(),
        language="en",
        user=user,
        customer=customer,
        ip_address=ip,
    )


def _sms_count(target: str) -> int:
    return OutboxMessage.objects.filter(recipient=target).count()


@pytest.mark.spec("F-07")
def test_sms_page_resend_is_limited_to_one_a_minute(client, manager) -> None:
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    assert client.session[keys.SMS_PENDING]
    assert _sms_count(manager.phone.as_e164) == 1

    response = client.post("/login/code/", {"resend": "1"})
    assert response.status_code == 429
    assert SENT_RECENTLY in response.content.decode()  # and the earlier code still counts
    assert _sms_count(manager.phone.as_e164) == 1

    _age(minutes=1)
    response = client.post("/login/code/", {"resend": "1"})
    assert response.status_code == 302
    assert _sms_count(manager.phone.as_e164) == 2


@pytest.mark.spec("F-07")
def test_sms_page_resend_is_limited_to_five_an_hour(client, manager) -> None:
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    for _ in range(4):
        _age(minutes=2)  # past the minute limit, still within the hour
        assert client.post("/login/code/", {"resend": "1"}).status_code == 302
    assert _sms_count(manager.phone.as_e164) == 5
    _age(minutes=2)
    response = client.post("/login/code/", {"resend": "1"})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    _age(minutes=61)
    assert client.post("/login/code/", {"resend": "1"}).status_code == 302
    assert _sms_count(manager.phone.as_e164) == 6


@pytest.mark.django_db
def test_per_number_limit_holds_across_accounts_and_flows() -> None:
    """Two logins sharing a number still get one code a minute on it."""
    first, second = MembershipFactory.create(user__phone="+32470555001"), MembershipFactory.create()
    issue_code(_request("+32470555001", user=first.user))
    with pytest.raises(TooManyCodes):
        issue_code(_request("+32470555001", user=second.user))
    with pytest.raises(TooManyCodes):
        issue_code(_request("+32470555001"))  # no account known (claim)
    issue_code(_request("+32470555002", user=second.user))


def _ask_waiting_like_a_file_database() -> str:
    """Ask for a code for +32470555600. The test suite's in-memory SQLite answers "table is
    locked" to a second writer at once where the file database waits (busy_timeout): wait here."""
    for _ in range(200):
        try:
            issue_code(_request("+32470555600", ip=None))
        except TooManyCodes:
            return "too many"
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.05)
        else:
            return "sent"
    return "still locked"


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_cannot_pass_the_limit_together() -> None:
    """Threads with their own connections ask for a code for one number at the same time.
    Each one that passed the check waits (up to 2 s) for the others before it inserts: without
    the lock they would all have counted zero codes and all insert one."""
    threads_count = 4
    barrier = threading.Barrier(threads_count, timeout=2)
    outcomes: list[str] = []

    def wait_for_the_others(_: int) -> int:
        with contextlib.suppress(threading.BrokenBarrierError):  # the others wait on the lock, or were refused
            barrier.wait()
        return 123456

    def ask() -> None:
        try:
            outcomes.append(_ask_waiting_like_a_file_database())
        except BaseException as exc:  # reported by the assertion below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    with mock.patch("fleetportal.accounts.codes.secrets.randbelow", side_effect=wait_for_the_others):
        threads = [threading.Thread(target=ask) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    close_old_connections()
    assert sorted(outcomes) == ["sent"] + ["too many"] * (threads_count - 1)
    assert OneTimeCode.objects.count() == 1


@pytest.mark.django_db
def test_per_account_limit_holds_across_numbers_and_addresses() -> None:
    membership = MembershipFactory.create()
    issue_code(_request("+32470555001", user=membership.user))
    with pytest.raises(TooManyCodes):
        issue_code(_request(membership.user.email, user=membership.user))
    for n in range(4):
        _age(minutes=2)
        issue_code(_request(f"+3247055510{n}", user=membership.user))
    _age(minutes=2)
    with pytest.raises(TooManyCodes):
        issue_code(_request("+32470555200", user=membership.user))


@pytest.mark.django_db
def test_per_ip_cap(settings) -> None:
    settings.OTP_PER_IP_PER_HOUR = 3
    for n in range(3):
        issue_code(_request(f"+3247055530{n}", ip="10.9.9.9"))
    with pytest.raises(TooManyCodes):
        issue_code(_request("+32470555399", ip="10.9.9.9"))
    issue_code(_request("+32470555399", ip="10.9.9.10"))


@pytest.mark.django_db
def test_per_customer_cap(settings, customer) -> None:
    settings.OTP_PER_CUSTOMER_PER_HOUR = 2
    issue_code(_request("+32470555401", customer=customer, ip="10.0.0.1"))
    issue_code(_request("+32470555402", customer=customer, ip="10.0.0.2"))
    with pytest.raises(TooManyCodes):
        issue_code(_request("+32470555403", customer=customer, ip="10.0.0.3"))
    issue_code(_request("+32470555403", ip="10.0.0.3"))


@pytest.mark.spec("S6")
def test_forgot_password_over_the_ip_cap_answers_429(client, settings, holder, manager, member) -> None:
    settings.OTP_PER_IP_PER_HOUR = 2
    for user in (holder, manager):
        response = client.post("/password/forgot/", {"login": user.email, "channel": "sms"})
        assert response.status_code == 302
    response = client.post("/password/forgot/", {"login": member.email, "channel": "sms"})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert _sms_count(member.phone.as_e164) == 0


@pytest.mark.spec("F-08")
def test_phone_login_send_over_the_limit_answers_429(client, member) -> None:
    client.post("/login/phone/", {"step": "number", "phone": "0470 00 00 03"})
    assert client.post("/login/phone/", {"step": "send"}).status_code == 200
    response = client.post("/login/phone/", {"step": "send"})
    assert response.status_code == 429
    assert SENT_RECENTLY in response.content.decode()
    assert _sms_count(member.phone.as_e164) == 1
