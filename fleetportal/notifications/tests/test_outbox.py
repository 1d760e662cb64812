"""The outbox (QUALITY R1): messages are rows written in the business transaction, delivered
at least once with an idempotency key after it commits, retried with backoff, dead-lettered
after OUTBOX_MAX_ATTEMPTS; a rolled-back action sends nothing; a sent row is never sent again."""

from __future__ import annotations

import dataclasses
import io
import json
import urllib.error
from datetime import timedelta
from email.message import Message
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from fleetportal.accounts import actions
from fleetportal.accounts.models import Membership, Role
from fleetportal.core import delivery, tasks
from fleetportal.core.delivery import backoff
from fleetportal.notifications import outbox
from fleetportal.notifications.channels import sms
from fleetportal.notifications.models import OutboxMessage

pytestmark = [pytest.mark.spec("R1"), pytest.mark.django_db]

SMS_TEMPLATE = "accounts/sms/code"
CODE_CONTEXT = {"code": "123456", "purpose": "test", "minutes": 5}


def _sms(to: str = "+32470999001") -> OutboxMessage:
    return outbox.send_sms(to=to, template=SMS_TEMPLATE, context=CODE_CONTEXT, language="en")


def deliver_message(pk: int) -> str | None:
    return delivery.deliver(OutboxMessage.objects.get(pk=pk).kind, pk)


def due_message_ids() -> list[int]:
    return delivery.due_ids(OutboxMessage.Kind.SMS) + delivery.due_ids(OutboxMessage.Kind.EMAIL)


def sending_with(kind: str, send: mock.Mock):  # type: ignore[no-untyped-def]
    """The channel of `kind` sends with `send` instead of its gateway."""
    return mock.patch.dict(delivery._channels, {kind: dataclasses.replace(delivery.channel(kind), send=send)})


def _failing_channel(kind: str = OutboxMessage.Kind.SMS, error: BaseException | None = None):
    channel = mock.Mock(side_effect=error or ConnectionError("gateway down"))
    return channel, sending_with(kind, channel)


def test_message_is_delivered_after_the_transaction_commits(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = outbox.send_email(
            to="someone@example.com",
            template="accounts/email/code",
            context=CODE_CONTEXT,
            language="en",
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.attempts == 1 and message.sent_at
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["someone@example.com"]
    assert mail.outbox[0].extra_headers["X-Idempotency-Key"] == message.idempotency_key
    assert "123456" in mail.outbox[0].body


def test_rolled_back_transaction_queues_nothing(django_capture_on_commit_callbacks) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _sms()
        outbox.send_email(to="a@example.com", template="accounts/email/code", context=CODE_CONTEXT, language="en")
        raise RuntimeError("the action failed after queueing")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


@pytest.mark.spec("F-03")
def test_rolled_back_action_sends_no_invitation(
    customer, holder, actor_for, django_capture_on_commit_callbacks
) -> None:
    """The audit write fails after the invitation was queued: nothing is left, nothing is sent."""
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        mock.patch("fleetportal.accounts.actions.record", side_effect=RuntimeError("audit down")),
        pytest.raises(RuntimeError),
    ):
        actions.user_invite(actor=actor_for(holder), customer=customer, email="nora@acme.example", role=Role.MEMBER)
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert not Membership.objects.filter(user__email="nora@acme.example").exists()
    assert mail.outbox == []


def test_every_message_has_its_own_idempotency_key() -> None:
    keys = {_sms().idempotency_key for _ in range(20)}
    assert len(keys) == 20
    assert all(len(key) >= 32 for key in keys)


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (4, 240), (8, 3600), (20, 3600)])
def test_backoff_doubles_and_is_capped_at_an_hour(attempts, seconds) -> None:
    assert backoff(attempts) == timedelta(seconds=seconds)


def test_failing_channel_retries_with_backoff_then_dead_letters(settings) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 4
    message = _sms()
    channel, patched = _failing_channel()
    with patched:
        for attempt in range(1, 4):
            before = timezone.now()
            assert deliver_message(message.pk) == OutboxMessage.Status.PENDING
            message.refresh_from_db()
            assert message.attempts == attempt
            assert message.last_error == "ConnectionError: gateway down"
            assert message.next_attempt_at >= before + backoff(attempt)
            assert message.next_attempt_at <= timezone.now() + backoff(attempt)
            assert message.pk not in due_message_ids()  # not due before its backoff
            OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
            assert message.pk in due_message_ids()
        assert deliver_message(message.pk) == OutboxMessage.Status.DEAD
        assert deliver_message(message.pk) is None  # a dead letter is not tried again
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == (OutboxMessage.Status.DEAD, 4, None)
    assert channel.call_count == 4
    assert message.pk not in due_message_ids()


def test_sweep_retries_a_failed_message_with_the_same_key(settings) -> None:
    settings.SMS_GATEWAY, settings.SMS_GATEWAY_URL = "http", "https://sms.example/send"
    message = _sms()
    keys: list[str] = []

    def answer(request, timeout):
        keys.append(request.get_header("Idempotency-key"))
        if len(keys) == 1:
            raise urllib.error.URLError("timed out")
        return mock.MagicMock(status=202, __enter__=lambda self: self)

    with mock.patch("fleetportal.notifications.channels.sms.urllib.request.urlopen", side_effect=answer):
        assert deliver_message(message.pk) == OutboxMessage.Status.PENDING
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        tasks.sweep_outbox.call_local()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert keys == [message.idempotency_key] * 2


def test_sent_message_is_not_sent_again_by_the_sweep() -> None:
    message = _sms()
    channel = mock.Mock()
    with sending_with(OutboxMessage.Kind.SMS, channel):
        assert deliver_message(message.pk) == OutboxMessage.Status.SENT
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
        tasks.sweep_outbox.call_local()
        assert deliver_message(message.pk) is None
    assert channel.call_count == 1
    assert message.pk not in due_message_ids()


def test_worker_killed_mid_send_leaves_the_message_pending_for_the_sweep() -> None:
    """The send is interrupted (not an ordinary failure): the message stays pending under the
    claiming worker's lease, then the sweep sends it (at least once)."""
    message = _sms()
    _, patched = _failing_channel(error=KeyboardInterrupt())
    with patched, pytest.raises(KeyboardInterrupt):
        deliver_message(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.PENDING, 1)
    assert message.pk not in due_message_ids()  # another worker leaves it alone while leased
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert message.pk in due_message_ids()
    working = mock.Mock()
    with sending_with(OutboxMessage.Kind.SMS, working):
        tasks.sweep_outbox.call_local()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    working.assert_called_once()


def test_sweep_sends_due_messages_oldest_first_and_leaves_others() -> None:
    due_late, due_early, not_due = _sms("+32470999001"), _sms("+32470999002"), _sms("+32470999003")
    now = timezone.now()
    OutboxMessage.objects.filter(pk=due_late.pk).update(next_attempt_at=now - timedelta(minutes=1))
    OutboxMessage.objects.filter(pk=due_early.pk).update(next_attempt_at=now - timedelta(minutes=5))
    OutboxMessage.objects.filter(pk=not_due.pk).update(next_attempt_at=now + timedelta(minutes=5))
    assert due_message_ids() == [due_early.pk, due_late.pk]
    tasks.sweep_outbox.call_local()
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert statuses == {due_late.pk: "sent", due_early.pk: "sent", not_due.pk: "pending"}


# --- the http SMS gateway adapter -----------------------------------------------------------------


def test_http_gateway_posts_json_with_idempotency_key(settings) -> None:
    settings.SMS_GATEWAY = "http"
    settings.SMS_GATEWAY_URL = "https://sms.example/send"
    settings.SMS_GATEWAY_TOKEN = "gw-token"
    settings.SMS_SENDER = "Operator"
    message = _sms()
    response = mock.MagicMock(status=200)
    response.__enter__.return_value = response
    with mock.patch("fleetportal.notifications.channels.sms.urllib.request.urlopen", return_value=response) as urlopen:
        sms.deliver(message)
    request = urlopen.call_args.args[0]
    assert urlopen.call_args.kwargs["timeout"] == 10
    assert request.full_url == "https://sms.example/send"
    assert request.get_method() == "POST"
    assert request.get_header("Idempotency-key") == message.idempotency_key
    assert request.get_header("Authorization") == "Bearer gw-token"
    assert request.get_header("Content-type") == "application/json"
    assert json.loads(request.data) == {"to": "+32470999001", "from": "Operator", "text": message.body}


def test_http_gateway_error_is_a_failed_attempt(settings) -> None:
    settings.SMS_GATEWAY, settings.SMS_GATEWAY_URL = "http", "https://sms.example/send"
    message = _sms()
    error = urllib.error.HTTPError("https://sms.example/send", 503, "Service Unavailable", Message(), io.BytesIO(b""))
    with mock.patch("fleetportal.notifications.channels.sms.urllib.request.urlopen", side_effect=error):
        assert deliver_message(message.pk) == OutboxMessage.Status.PENDING
    message.refresh_from_db()
    assert message.attempts == 1 and "503" in message.last_error


@pytest.mark.parametrize(("gateway", "url"), [("http", ""), ("http", "file:///etc/passwd"), ("carrier-pigeon", "")])
def test_unconfigured_gateway_fails_instead_of_dropping_the_sms(settings, gateway, url) -> None:
    settings.SMS_GATEWAY, settings.SMS_GATEWAY_URL = gateway, url
    message = _sms()
    with mock.patch("fleetportal.notifications.channels.sms.urllib.request.urlopen") as urlopen:
        assert deliver_message(message.pk) == OutboxMessage.Status.PENDING
    urlopen.assert_not_called()
    message.refresh_from_db()
    assert "SmsGatewayError" in message.last_error


def test_local_gateway_keeps_the_sms_in_the_outbox() -> None:
    message = _sms()
    with mock.patch("fleetportal.notifications.channels.sms.urllib.request.urlopen") as urlopen:
        assert deliver_message(message.pk) == OutboxMessage.Status.SENT
    urlopen.assert_not_called()
