"""`insert_rows`: thousands of rows in one INSERT, the same values as the model would write."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fleetportal.core.inserts import insert_rows
from fleetportal.core.models import AuditEvent, Channel

pytestmark = [pytest.mark.django_db, pytest.mark.spec("P3")]


def test_rows_share_the_same_values_and_keep_their_own(customer, manager) -> None:
    rows = [
        {"object_id": str(n), "before": {"n": n, "names": ["Zoë", 'say "hi"']}, "after": after}
        for n, after in enumerate([{}, {"plan": "pro"}, "a JSON string", 7, ["x"]])
    ]
    started = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        ids = insert_rows(AuditEvent, rows, same={"customer": customer, "actor_id": manager.pk, "action": "test.bulk"})
    assert len(queries) == 1
    events = list(AuditEvent.objects.filter(pk__in=ids).order_by("pk"))
    assert [event.pk for event in events] == ids  # in the order of the rows
    assert [(e.object_id, e.before, e.after) for e in events] == [
        (row["object_id"], row["before"], row["after"]) for row in rows
    ]
    for event in events:
        assert (event.customer_id, event.actor_id, event.action) == (customer.pk, manager.pk, "test.bulk")
        # Fields named nowhere get their default, as a model instance would have them.
        assert (event.channel, event.object_label, event.ip_address) == ("", "", None)
        assert timezone.now() >= event.created_at >= started  # auto_now_add
    assert AuditEvent.objects.filter(created_at=events[0].created_at, action="test.bulk").count() == len(rows)


def test_shared_values_are_prepared_by_their_field(customer) -> None:
    (pk,) = insert_rows(
        AuditEvent, [{"object_id": "1"}], same={"customer_id": customer.pk, "ip_address": "10.1.2.3", "channel": "api"}
    )
    event = AuditEvent.objects.get(pk=pk)
    assert (event.ip_address, event.channel, event.before, event.after) == ("10.1.2.3", Channel.API, {}, {})


def test_an_unknown_field_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="objekt_id"):
        insert_rows(AuditEvent, [{"objekt_id": "1"}])
    with pytest.raises(ValueError, match="who"):
        insert_rows(AuditEvent, [{"object_id": "1"}], same={"who": "me"})
    assert insert_rows(AuditEvent, []) == []
    assert not AuditEvent.objects.exists()
