"""Events become signed deliveries, retried on a day's schedule, dead-lettered, and an endpoint
that fails for that long is switched off with an e-mail to its fleet managers (F-92, R1)."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from fleetportal.core import delivery
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.actions.lifecycle import lines_suspend
from fleetportal.fleet.events import LINE_STOPPED, LINE_SUSPENDED
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.notifications.models import OutboxMessage
from fleetportal.webhooks.actions import delivery_resend, endpoint_rotate_secret, endpoint_update
from fleetportal.webhooks.channel import FAILING_FOR, MAX_ATTEMPTS, fan_out, retry_delay
from fleetportal.webhooks.models import CHANNEL, Endpoint, WebhookDelivery

pytestmark = pytest.mark.spec("F-92")


def test_a_subscribed_event_is_posted_signed_as_the_spec_says(endpoint, receiver, line, fleet_actor, deliver):
    lines_suspend(actor=fleet_actor, lines=[line], reason="lost")

    row = WebhookDelivery.objects.get()
    assert (row.endpoint, row.event_name, row.status) == (endpoint, "line.suspended", "pending")
    assert deliver() == ["sent"]
    [got] = receiver.requests
    assert got.path == "/hooks/fleet"
    assert got.headers["webhook-id"] == row.webhook_id
    body = Webhook(endpoint.secret).verify(got.body, got.headers)  # the receiver's side of the spec
    assert body["type"] == "line.suspended"
    assert body["data"]["object"] == {"type": "line", "id": str(line.pk)}
    assert body["data"]["status"] == "suspended"
    row.refresh_from_db()
    assert (row.status, row.response_status, row.attempts) == ("sent", 204, 1)


def test_a_tampered_body_or_another_secret_does_not_verify(endpoint, receiver, line, fleet_actor, deliver):
    lines_suspend(actor=fleet_actor, lines=[line])
    deliver()
    [got] = receiver.requests
    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint.secret).verify(got.body.replace("suspended", "active"), got.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 44).verify(got.body, got.headers)


def test_only_subscribed_types_of_the_endpoints_customer_become_deliveries(
    endpoint, customer, other_customer, line, fleet_actor
):
    other_line = LineFactory.create(customer=other_customer)
    with transaction.atomic():
        LINE_STOPPED.record(customer=customer, obj=line)  # not subscribed
        LINE_SUSPENDED.record(customer=other_customer, obj=other_line)  # not this customer's
        LINE_SUSPENDED.record(customer=None, obj=line)  # the operator's own
    assert not WebhookDelivery.objects.exists()

    endpoint_update(actor=fleet_actor, endpoint=endpoint, active=False)
    LINE_SUSPENDED.record(customer=customer, obj=line)
    assert not WebhookDelivery.objects.exists()


def test_one_delivery_per_event_and_endpoint_of_a_bulk_change(endpoint, customer, fleet_actor, receiver, deliver):
    lines = LineFactory.create_batch(3, customer=customer)
    lines_suspend(actor=fleet_actor, lines=lines)
    rows = WebhookDelivery.objects.all()
    assert rows.count() == 3
    assert len({row.webhook_id for row in rows}) == 3
    assert deliver() == ["sent"] * 3
    ids = {json.loads(got.body)["data"]["object"]["id"] for got in receiver.requests}
    assert ids == {str(line.pk) for line in lines}


def test_an_event_nobody_subscribed_to_costs_one_query(customer, django_assert_num_queries):
    with django_assert_num_queries(1):
        fan_out(LINE_SUSPENDED, customer, [1, 2, 3])
    with django_assert_num_queries(0):
        fan_out(LINE_SUSPENDED, None, [1])


def test_a_failure_is_retried_with_backoff_under_the_same_id(endpoint, receiver, line, fleet_actor, deliver, make_due):
    receiver.answers = [500, 200]
    lines_suspend(actor=fleet_actor, lines=[line])
    before = timezone.now()

    assert deliver() == ["pending"]
    row = WebhookDelivery.objects.get()
    assert (row.attempts, row.response_status) == (1, 500)
    assert "HTTP 500" in row.last_error
    assert before + timedelta(seconds=50) < row.next_attempt_at < timezone.now() + timedelta(seconds=70)
    assert deliver() == []  # not due yet

    make_due()
    assert deliver() == ["sent"]
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == row.webhook_id
    assert first.body == second.body
    for got in (first, second):
        Webhook(endpoint.secret).verify(got.body, got.headers)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_status, row.last_error) == ("sent", 2, 200, "")


def test_the_schedule_doubles_and_spans_about_a_day():
    waits = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert waits[0] == timedelta(minutes=1)
    assert all(later >= earlier for earlier, later in itertools.pairwise(waits))
    assert timedelta(hours=23) <= sum(waits, timedelta()) <= timedelta(hours=26)


def test_a_timeout_is_a_failure_without_a_status(endpoint, receiver, line, fleet_actor, deliver, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    receiver.delay = 1.5
    lines_suspend(actor=fleet_actor, lines=[line])
    assert deliver() == ["pending"]
    row = WebhookDelivery.objects.get()
    assert row.response_status is None
    assert "timed out" in row.last_error


def test_the_last_failed_try_dead_letters(endpoint, receiver, line, fleet_actor, deliver):
    receiver.answers = [410]
    lines_suspend(actor=fleet_actor, lines=[line])
    WebhookDelivery.objects.update(attempts=MAX_ATTEMPTS - 1)
    assert deliver() == ["dead"]
    row = WebhookDelivery.objects.get()
    assert row.response_status == 410
    assert [(dead.channel.name, dead.row.pk) for dead in delivery.dead_rows()] == [(CHANNEL, row.pk)]


def _fail_for_a_day(fleet_actor, line, receiver):
    """Two deliveries queued a day ago; the older one's last try fails now."""
    receiver.answers = [503]
    lines_suspend(actor=fleet_actor, lines=[line])
    LINE_SUSPENDED.record(customer=line.customer, obj=line)
    old, newer = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=old.pk).update(
        attempts=MAX_ATTEMPTS - 1, created_at=timezone.now() - FAILING_FOR - timedelta(minutes=1)
    )
    WebhookDelivery.objects.filter(pk=newer.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    return old, newer


def test_an_endpoint_failing_for_a_day_is_switched_off_and_its_fleet_managers_told(
    endpoint, receiver, line, fleet_actor, deliver, holder, manager, member, billing_manager
):
    _old, newer = _fail_for_a_day(fleet_actor, line, receiver)
    assert deliver() == ["dead"]

    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_at is not None
    newer.refresh_from_db()
    assert newer.status == "dead"  # not tried again against an endpoint that is off
    mails = OutboxMessage.objects.filter(kind="email", subject__contains="Webhook endpoint switched off")
    assert sorted(mails.values_list("recipient", flat=True)) == [holder.email, manager.email]
    assert endpoint.url in mails.first().body  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="webhook.disabled", object_id=str(endpoint.pk)).exists()

    LINE_SUSPENDED.record(customer=line.customer, obj=line)
    assert WebhookDelivery.objects.count() == 2  # nothing new for an endpoint that is off


def test_an_endpoint_that_got_something_meanwhile_stays_on(endpoint, receiver, line, fleet_actor, deliver):
    _old, newer = _fail_for_a_day(fleet_actor, line, receiver)
    WebhookDelivery.objects.filter(pk=newer.pk).update(status="sent", sent_at=timezone.now() - timedelta(hours=2))
    assert deliver() == ["dead"]
    endpoint.refresh_from_db()
    assert endpoint.active
    assert not OutboxMessage.objects.filter(subject__contains="Webhook").exists()


def test_resend_a_dead_delivery_keeps_its_id_and_a_delivered_one_gets_a_new_one(
    endpoint, receiver, line, fleet_actor, deliver
):
    receiver.answers = [500]
    lines_suspend(actor=fleet_actor, lines=[line])
    WebhookDelivery.objects.update(attempts=MAX_ATTEMPTS - 1)
    assert deliver() == ["dead"]
    row = WebhookDelivery.objects.get()

    assert delivery_resend(actor=fleet_actor, row=row) == row
    assert deliver() == ["sent"]
    assert receiver.requests[-1].headers["webhook-id"] == row.webhook_id

    row.refresh_from_db()
    copy = delivery_resend(actor=fleet_actor, row=row)
    assert copy.pk != row.pk and copy.webhook_id != row.webhook_id
    assert deliver() == ["sent"]
    assert json.loads(receiver.requests[-1].body) == json.loads(receiver.requests[-2].body)


def test_resend_refuses_a_delivery_still_being_tried(endpoint, line, fleet_actor):
    lines_suspend(actor=fleet_actor, lines=[line])
    row = WebhookDelivery.objects.get()
    with pytest.raises(Exception, match="still being tried"):
        delivery_resend(actor=fleet_actor, row=row)


def test_a_rotated_secret_signs_the_next_try(endpoint, receiver, line, fleet_actor, deliver):
    old_secret = endpoint.secret
    lines_suspend(actor=fleet_actor, lines=[line])
    secret = endpoint_rotate_secret(actor=fleet_actor, endpoint=endpoint)
    assert secret != old_secret and Endpoint.objects.get().secret == secret
    deliver()
    [got] = receiver.requests
    Webhook(secret).verify(got.body, got.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(old_secret).verify(got.body, got.headers)


def test_the_workers_get_the_delivery_once_the_change_commits(
    endpoint, receiver, line, fleet_actor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lines_suspend(actor=fleet_actor, lines=[line])
    assert [json.loads(got.body)["type"] for got in receiver.requests] == ["line.suspended"]
    assert WebhookDelivery.objects.get().status == "sent"
