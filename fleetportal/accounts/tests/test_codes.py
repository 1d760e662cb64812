"""One-time codes (QUALITY S3): 6 digits from `secrets`, valid 5 minutes, single use, bound to
the flow that asked for it, dead after 5 wrong tries; of parallel correct submissions exactly
one wins."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from fleetportal.accounts.codes import CodeRequest, issue_code, new_flow_id, verify_code
from fleetportal.accounts.models import OneTimeCode
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.spec("S3")

PURPOSE = OneTimeCode.Purpose.LOGIN_SMS


def _issue(flow: str, target: str = "+32470999001", purpose: str = PURPOSE, **extra: object) -> OneTimeCode:
    return issue_code(
        CodeRequest(
            purpose=purpose,
            channel=OneTimeCode.Channel.SMS,
            target=target,
            flow_id=flow,
            language="en",
            **extra,  # type: ignore[arg-type]
        )
    )


@pytest.mark.django_db
def test_code_is_six_digits_sent_by_sms_and_only_its_hash_is_stored(last_code) -> None:
    flow = new_flow_id()
    row = _issue(flow)
    code = last_code("+32470999001")
    assert len(code) == 6 and code.isdigit()
    assert code not in row.code_hash
    assert row.expires_at - row.created_at == pytest.approx(timedelta(minutes=5), abs=timedelta(seconds=1))
    message = OutboxMessage.objects.get(recipient="+32470999001")
    assert message.kind == OutboxMessage.Kind.SMS


@pytest.mark.django_db
def test_code_comes_from_secrets_and_keeps_leading_zeros(last_code) -> None:
    with mock.patch("fleetportal.accounts.codes.secrets.randbelow", return_value=42) as randbelow:
        flow = new_flow_id()
        _issue(flow)
    randbelow.assert_called_once_with(10**6)
    assert last_code("+32470999001") == "000042"
    assert verify_code(flow_id=flow, purpose=PURPOSE, code="000042") is not None


@pytest.mark.django_db
def test_code_accepts_spaces_typed_by_people(last_code) -> None:
    flow = new_flow_id()
    _issue(flow)
    code = last_code("+32470999001")
    assert verify_code(flow_id=flow, purpose=PURPOSE, code=f" {code[:3]} {code[3:]} ") is not None


@pytest.mark.django_db
def test_code_is_valid_for_five_minutes_only(last_code) -> None:
    flow = new_flow_id()
    issued = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=issued):
        _issue(flow)
    code = last_code("+32470999001")
    with mock.patch("django.utils.timezone.now", return_value=issued + timedelta(minutes=5, seconds=1)):
        assert verify_code(flow_id=flow, purpose=PURPOSE, code=code) is None
    with mock.patch("django.utils.timezone.now", return_value=issued + timedelta(minutes=4, seconds=59)):
        assert verify_code(flow_id=flow, purpose=PURPOSE, code=code) is not None


@pytest.mark.django_db
def test_expired_code_by_moving_expiry(last_code) -> None:
    flow = new_flow_id()
    row = _issue(flow)
    OneTimeCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert verify_code(flow_id=flow, purpose=PURPOSE, code=last_code("+32470999001")) is None


@pytest.mark.django_db
def test_code_is_single_use(last_code) -> None:
    flow = new_flow_id()
    _issue(flow)
    code = last_code("+32470999001")
    first = verify_code(flow_id=flow, purpose=PURPOSE, code=code)
    assert first is not None and first.used_at is None  # the row as read; the UPDATE consumed it
    assert OneTimeCode.objects.get(pk=first.pk).used_at is not None
    assert verify_code(flow_id=flow, purpose=PURPOSE, code=code) is None


@pytest.mark.django_db
def test_code_is_bound_to_its_flow_and_purpose(last_code) -> None:
    flow_a, flow_b = new_flow_id(), new_flow_id()
    _issue(flow_a, target="+32470999001")
    code_a = last_code("+32470999001")
    _issue(flow_b, target="+32470999002")
    code_b = last_code("+32470999002")
    if code_a != code_b:  # two random codes may be equal; the next test covers that case
        assert verify_code(flow_id=flow_b, purpose=PURPOSE, code=code_a) is None
    assert verify_code(flow_id=flow_a, purpose=OneTimeCode.Purpose.PASSWORD_RESET, code=code_a) is None
    assert verify_code(flow_id="", purpose=PURPOSE, code=code_a) is None
    assert verify_code(flow_id=flow_a, purpose=PURPOSE, code=code_a) is not None
    assert verify_code(flow_id=flow_b, purpose=PURPOSE, code=code_b) is not None


@pytest.mark.django_db
def test_code_of_another_flow_fails_even_when_equal() -> None:
    """Same digits, other flow: still refused (codes are looked up by flow, not by value)."""
    with mock.patch("fleetportal.accounts.codes.secrets.randbelow", return_value=123456):
        flow_a, flow_b = new_flow_id(), new_flow_id()
        _issue(flow_a, target="+32470999001")
    assert verify_code(flow_id=flow_b, purpose=PURPOSE, code="123456") is None
    assert verify_code(flow_id=flow_a, purpose=PURPOSE, code="123456") is not None


@pytest.mark.django_db
def test_new_code_for_the_flow_kills_the_earlier_one(last_code) -> None:
    flow = new_flow_id()
    with mock.patch("fleetportal.accounts.codes.secrets.randbelow", side_effect=[111111, 222222]):
        _issue(flow)
        OneTimeCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))  # past the 1/minute limit
        _issue(flow)
    assert verify_code(flow_id=flow, purpose=PURPOSE, code="111111") is None
    assert verify_code(flow_id=flow, purpose=PURPOSE, code="222222") is not None


@pytest.mark.django_db
def test_code_is_dead_after_five_wrong_tries(last_code) -> None:
    flow = new_flow_id()
    _issue(flow)
    code = last_code("+32470999001")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert verify_code(flow_id=flow, purpose=PURPOSE, code=wrong) is None
    assert verify_code(flow_id=flow, purpose=PURPOSE, code=code) is None


@pytest.mark.django_db
def test_four_wrong_tries_leave_the_code_alive(last_code) -> None:
    flow = new_flow_id()
    _issue(flow)
    code = last_code("+32470999001")
    for wrong in ("", "abcdef", "12345", f"{(int(code) + 1) % 10**6:06d}"):
        assert verify_code(flow_id=flow, purpose=PURPOSE, code=wrong) is None
    assert OneTimeCode.objects.get().attempts == 4
    assert verify_code(flow_id=flow, purpose=PURPOSE, code=code) is not None


@pytest.mark.django_db
def test_parallel_wrong_guesses_get_five_comparisons_at_most(last_code) -> None:
    """Ten guesses arriving while each earlier one is between reading the code and counting its
    try (simulated by re-entering verify_code from the comparison) still get five comparisons."""
    from fleetportal.accounts import codes

    flow = new_flow_id()
    _issue(flow)
    right = last_code("+32470999001")
    guesses = [f"{(int(right) + n) % 10**6:06d}" for n in range(1, 11)]
    compared: list[str] = []
    real_hash = codes._hash

    def hash_and_let_the_next_guess_in(code: str) -> str:
        compared.append(code)
        if len(compared) < len(guesses):
            verify_code(flow_id=flow, purpose=PURPOSE, code=guesses[len(compared)])
        return real_hash(code)

    with mock.patch.object(codes, "_hash", side_effect=hash_and_let_the_next_guess_in):
        assert verify_code(flow_id=flow, purpose=PURPOSE, code=guesses[0]) is None
    assert len(compared) == 5
    assert verify_code(flow_id=flow, purpose=PURPOSE, code=right) is None


@pytest.mark.django_db
def test_sequential_double_submission_only_first_wins(last_code) -> None:
    flow = new_flow_id()
    _issue(flow)
    code = last_code("+32470999001")
    results = [verify_code(flow_id=flow, purpose=PURPOSE, code=code) for _ in range(2)]
    assert [r is not None for r in results] == [True, False]


@pytest.mark.django_db(transaction=True)
def test_parallel_correct_submissions_exactly_one_wins() -> None:
    """Threads with their own database connections submit the right code at the same time."""
    with mock.patch("fleetportal.accounts.codes.secrets.randbelow", return_value=654321):
        flow = new_flow_id()
        _issue(flow)
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    results: list[bool] = []
    errors: list[BaseException] = []

    def verify() -> bool:
        # The test database on SQLite is in memory with a shared cache, where a second writer gets
        # "table is locked" at once instead of waiting (busy_timeout does not apply there, unlike
        # the WAL file the portal runs on): that writer tries again, as a waiting one would.
        for _attempt in range(50):
            try:
                return verify_code(flow_id=flow, purpose=PURPOSE, code="654321") is not None
            except OperationalError as exc:
                if "table is locked" not in str(exc):
                    raise
                time.sleep(0.02)
        raise AssertionError("the table stayed locked")

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(verify())
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    close_old_connections()
    assert errors == []
    assert sorted(results) == [False] * (threads_count - 1) + [True]
    assert OneTimeCode.objects.get().used_at is not None
