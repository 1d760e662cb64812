"""Domain events and the one delivery pipeline: an action's events are committed with its audit
rows, each consumer gets each batch once after commit, a failing consumer is retried and then
dead-lettered visibly, and staff can send a dead letter again (QUALITY R1)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from fleetportal.core import delivery, events
from fleetportal.core.models import AuditEvent, DomainEvent, EventDelivery
from fleetportal.fleet.actions import lines_suspend
from fleetportal.fleet.events import LINE_SUSPENDED
from fleetportal.notifications import outbox
from fleetportal.notifications.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.spec("R1")]


@pytest.fixture
def manager_actor(manager, actor_for):  # type: ignore[no-untyped-def]
    return actor_for(manager)


@pytest.fixture
def consumers(monkeypatch):  # type: ignore[no-untyped-def]
    """A registry of consumers of this test only."""
    monkeypatch.setattr(events, "_consumers", {})
    return events


def test_bulk_suspend_records_one_event_per_line_in_one_batch(make_lines, manager_actor, consumers) -> None:
    seen: list[list[str]] = []
    consumers.consumer(LINE_SUSPENDED, name="test.seen")(lambda batch: seen.append([e.object_id for e in batch]))
    lines = make_lines(3)
    with transaction.atomic():
        lines_suspend(actor=manager_actor, lines=lines)
    recorded = DomainEvent.objects.filter(name="line.suspended")
    assert sorted(int(e.object_id) for e in recorded) == sorted(line.pk for line in lines)
    assert len({e.batch for e in recorded}) == 1
    assert AuditEvent.objects.filter(action="line.suspend").count() == 3
    delivery_row = EventDelivery.objects.get(consumer="test.seen")
    assert delivery_row.status == EventDelivery.Status.PENDING  # the test transaction never commits
    assert delivery.deliver("event", delivery_row.pk) == EventDelivery.Status.DONE
    assert sorted(seen[0]) == sorted(str(line.pk) for line in lines)
    assert delivery.deliver("event", delivery_row.pk) is None  # done: never run again


def test_a_rolled_back_action_records_no_event(make_lines, manager_actor, consumers) -> None:
    consumers.consumer(LINE_SUSPENDED, name="test.never")(lambda batch: None)
    lines = make_lines(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        lines_suspend(actor=manager_actor, lines=lines)
        raise RuntimeError("the request failed after the action")
    assert not DomainEvent.objects.exists()
    assert not EventDelivery.objects.exists()


def test_consumers_run_after_commit(make_lines, manager_actor, consumers, django_capture_on_commit_callbacks) -> None:
    seen: list[int] = []
    consumers.consumer(LINE_SUSPENDED, name="test.count")(lambda batch: seen.append(batch.count()))
    with django_capture_on_commit_callbacks(execute=True):
        lines_suspend(actor=manager_actor, lines=make_lines(2))
        assert seen == []  # not before the transaction commits
    assert seen == [2]
    assert EventDelivery.objects.get().status == EventDelivery.Status.DONE


def test_failing_consumer_is_retried_then_dead_lettered_and_listed(
    make_lines, manager_actor, consumers, settings
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 2

    def broken(batch) -> None:  # type: ignore[no-untyped-def]
        raise ValueError("rule engine down")

    consumers.consumer(LINE_SUSPENDED, name="test.broken")(broken)
    lines_suspend(actor=manager_actor, lines=make_lines(1))
    row = EventDelivery.objects.get()
    assert delivery.deliver("event", row.pk) == EventDelivery.Status.PENDING
    EventDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver("event", row.pk) == EventDelivery.Status.DEAD
    row.refresh_from_db()
    assert "rule engine down" in row.last_error and row.attempts == 2
    assert [(dead.channel.name, dead.row.pk) for dead in delivery.dead_rows()] == [("event", row.pk)]


def test_staff_sees_dead_letters_and_sends_one_again(
    client, login, staff, settings, member, django_capture_on_commit_callbacks
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 1
    message = outbox.send_sms(
        to="+32470999001",
        template="accounts/sms/code",
        context={"code": "1", "purpose": "x", "minutes": 5},
        language="en",
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.DEAD, last_error="gateway 401")
    login(client, member)
    assert client.get("/staff/dead-letters/").status_code in (302, 403, 404)
    client.logout()
    login(client, staff)
    page = client.get("/staff/dead-letters/")
    assert page.status_code == 200 and b"gateway 401" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/dead-letters/sms/{message.pk}/send-again/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.attempts == 1  # a fresh series of tries
    assert AuditEvent.objects.filter(action="outbox.redelivered").exists()
    again = client.post(f"/staff/dead-letters/sms/{message.pk}/send-again/", follow=True)
    assert b"cannot be sent again" in again.content  # only a dead letter can be revived
