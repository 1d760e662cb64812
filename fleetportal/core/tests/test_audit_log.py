"""The audit log page (F-33): managers see their company's events, staff every company's;
filters by line, user, action and date; before/after readable; members refused."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from fleetportal.core.models import AuditEvent, Channel, Customer

pytestmark = pytest.mark.django_db


def event(
    customer: Customer | None,
    action: str,
    *,
    label: str = "",
    who: str = "",
    channel: str = Channel.WEB,
    **kwargs: object,
) -> AuditEvent:
    return AuditEvent.objects.create(
        customer=customer,
        channel=channel,
        action=action,
        object_type="line",
        object_label=label,
        actor_label=who,
        **kwargs,
    )


def shown(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.spec("F-33", "S1")
def test_manager_sees_only_their_company(client, login, manager, customer, other_customer):
    event(customer, "lines.suspended", label="+32470111111", who="manager@acme.example")
    event(other_customer, "lines.stopped", label="+36301234567", who="admin@globex.example")
    login(client, manager)
    html = shown(client.get("/audit/"))
    assert "lines.suspended" in html and "+32470111111" in html
    assert "lines.stopped" not in html and "+36301234567" not in html
    # A customer parameter (the staff filter) does not widen a manager's view.
    html = shown(client.get("/audit/", {"customer": other_customer.pk}))
    assert "+36301234567" not in html and "+32470111111" in html


@pytest.mark.spec("F-33", "S2")
def test_member_is_refused(client, login, member, customer):
    event(customer, "lines.suspended", label="+32470111111")
    login(client, member)
    assert client.get("/audit/").status_code == 403


@pytest.mark.spec("F-33")
def test_anonymous_goes_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.spec("F-33", "S1")
def test_staff_sees_all_and_filters_by_customer(client, login, staff, customer, other_customer):
    event(customer, "lines.suspended", label="+32470111111")
    event(other_customer, "lines.stopped", label="+36301234567")
    login(client, staff)
    html = shown(client.get("/audit/"))
    assert "+32470111111" in html and "+36301234567" in html
    assert "Globex Kft" in html  # the customer column
    html = shown(client.get("/audit/", {"customer": other_customer.pk}))
    assert "+36301234567" in html and "+32470111111" not in html


@pytest.mark.spec("F-33")
def test_filter_by_number_as_typed(client, login, manager, customer):
    event(customer, "lines.suspended", label="+32470123456")
    event(customer, "lines.suspended", label="+32470999999")
    login(client, manager)
    html = shown(client.get("/audit/", {"number": "0470 12 34 56"}))
    assert "+32470123456" in html and "+32470999999" not in html
    html = shown(client.get("/audit/", {"number": "999"}))  # a fragment of digits
    assert "+32470999999" in html and "+32470123456" not in html


@pytest.mark.spec("F-33")
def test_filter_by_user_and_action(client, login, manager, customer):
    event(customer, "lines.suspended", label="+32470000011", who="marc@acme.example")
    event(customer, "lines.stopped", label="+32470000022", who="hanne@acme.example")
    event(customer, "lines.suspended", label="+32470000033", who="hanne@acme.example")
    login(client, manager)
    html = shown(client.get("/audit/", {"user": "HANNE@"}))
    assert "+32470000022" in html and "+32470000033" in html and "+32470000011" not in html
    html = shown(client.get("/audit/", {"user": "hanne", "action": "lines.suspended"}))
    assert "+32470000033" in html and "+32470000022" not in html and "+32470000011" not in html
    # The drop-down offers the actions this company's log holds.
    assert '<option value="lines.stopped"' in html


@pytest.mark.spec("F-33")
def test_filter_by_dates_in_the_users_calendar(client, login, manager, customer):
    old = event(customer, "lines.suspended", label="+32470000044")
    new = event(customer, "lines.suspended", label="+32470000055")
    # 23:30 local on 1 March is 22:30 UTC: it still belongs to 1 March.
    late_evening = timezone.make_aware(datetime(2026, 3, 1, 23, 30))
    AuditEvent.objects.filter(pk=old.pk).update(created_at=late_evening)
    AuditEvent.objects.filter(pk=new.pk).update(created_at=late_evening + timedelta(days=2))
    login(client, manager)
    html = shown(client.get("/audit/", {"date_from": "2026-03-01", "date_to": "2026-03-01"}))
    assert "+32470000044" in html and "+32470000055" not in html
    html = shown(client.get("/audit/", {"date_from": "2026-03-02"}))
    assert "+32470000055" in html and "+32470000044" not in html


@pytest.mark.spec("F-33", "R3")
def test_bad_filters_are_named_not_a_500(client, login, manager, customer):
    event(customer, "lines.suspended", label="+32470000066")
    login(client, manager)
    html = shown(client.get("/audit/", {"date_from": "not a date", "action": "no.such.action"}))
    assert 'id="id_date_from_error"' in html and 'id="id_action_error"' in html
    html = shown(client.get("/audit/", {"date_from": "2026-03-05", "date_to": "2026-03-01"}))
    assert "The end date is before the start date." in html


@pytest.mark.spec("F-33")
def test_before_and_after_are_readable(client, login, manager, customer):
    event(
        customer,
        "lines.plan_changed",
        label="+32470000077",
        before={"plan": "Mobile 1", "options": ["Data EU 5 GB", "Roaming World 1 GB"], "status": "active"},
        after={"plan": "Mobile Start", "options": ["Roaming World 1 GB"], "status": "active"},
    )
    login(client, manager)
    html = shown(client.get("/audit/"))
    assert "<del>Mobile 1</del> → <ins>Mobile Start</ins>" in html
    assert "<del>Data EU 5 GB, Roaming World 1 GB</del> → <ins>Roaming World 1 GB</ins>" in html
    assert "<dt>status</dt>" not in html  # unchanged keys are left out


@pytest.mark.spec("F-33")
def test_pages_keep_the_filters(client, login, manager, customer):
    AuditEvent.objects.bulk_create(
        AuditEvent(customer=customer, channel=Channel.WEB, action="lines.suspended", object_label=f"+3247000{i:04d}")
        for i in range(60)
    )
    event(customer, "lines.stopped", label="+32470009999")
    login(client, manager)
    html = shown(client.get("/audit/", {"action": "lines.suspended"}))
    assert "Page 1 of 2" in html
    assert "?action=lines.suspended&amp;page=2" in html
    html = shown(client.get("/audit/", {"action": "lines.suspended", "page": 2}))
    assert html.count("<code>lines.suspended</code>") == 10 and "+32470009999" not in html
