"""The audit trail (QUALITY S13): every login, code, role, rights and second-factor event is an
AuditEvent with actor, customer, channel and UTC time; no code or password ever appears in it,
nor in the log."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.accounts import actions
from fleetportal.accounts.models import Role
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record, record_many
from fleetportal.core.models import AuditEvent, Channel
from fleetportal.core.tests.factories import PASSWORD
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.spec("S13")

NEW_PASSWORD = "Tq8-zr5w-Lk3-pX"
RESET_PASSWORD = "Zz9-reset-Mm4-qY"
TEMPORARY_RE = re.compile(r"temporary password was set for your login: (\S+)")


def _event(action: str, **filters: object) -> AuditEvent:
    events = AuditEvent.objects.filter(action=action, **filters)
    assert events.exists(), (
        f"no {action} event; have {sorted(set(AuditEvent.objects.values_list('action', flat=True)))}"
    )
    return events.latest("id")


def _assert_complete(event: AuditEvent, *, actor, customer, channel: str = Channel.WEB) -> None:
    assert event.actor == actor, event.action
    assert event.actor_label == (actor.email if actor else "anonymous"), event.action
    assert event.customer == customer, event.action
    assert event.channel == channel, event.action
    assert event.created_at.utcoffset() == timedelta(0), event.action
    assert timezone.now() - event.created_at < timedelta(minutes=1), event.action
    assert event.ip_address == "127.0.0.1", event.action


@pytest.mark.spec("F-07")
def test_login_ok_code_sent_and_second_factor(client, manager, customer, login) -> None:
    login(client, manager)
    for action in ("login.ok", "code.sent", "login.second_factor_ok"):
        _assert_complete(_event(action, object_id=str(manager.pk)), actor=manager, customer=customer)
    assert _event("code.sent").after == {"purpose": "login_sms"}


@pytest.mark.spec("S5")
def test_login_failed_names_the_login_and_its_customer(client, manager, customer) -> None:
    client.post("/accounts/login/", {"login": manager.email, "password": "not-the-password-1"})
    event = _event("login.failed")
    _assert_complete(event, actor=None, customer=customer)
    assert event.object_id == str(manager.pk)
    assert event.after == {"login": manager.email}


@pytest.mark.spec("F-07", "S3")
def test_wrong_sms_code_is_audited(client, manager, customer, last_code) -> None:
    client.post("/accounts/login/", {"login": manager.email, "password": PASSWORD})
    wrong = f"{(int(last_code(manager)) + 1) % 10**6:06d}"
    client.post("/login/code/", {"code": wrong})
    _assert_complete(_event("login.second_factor_failed"), actor=manager, customer=customer)


@pytest.mark.spec("F-03", "F-12")
def test_role_change_and_invitation_lifecycle(client, login, manager, member, customer, invitation_link) -> None:
    login(client, manager)
    client.post("/users/invite/", {"email": "nora@acme.example", "role": Role.MEMBER, "language": "en"})
    invited = customer.memberships.get(user__email="nora@acme.example")
    client.post(f"/users/{invited.pk}/", {"operation": "resend"})
    client.post(f"/users/{member.memberships.get().pk}/", {"operation": "role", "role": Role.MANAGER})
    client.post(f"/users/{member.memberships.get().pk}/", {"operation": "functions", "functions": ["billing"]})
    Client().post(
        invitation_link(invited),
        {
            "first_name": "Nora",
            "last_name": "New",
            "phone": "0470 12 34 56",
            "language": "en",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    for action in ("invitation.sent", "invitation.resent", "role.changed", "rights.changed"):
        _assert_complete(_event(action), actor=manager, customer=customer)
    _assert_complete(_event("invitation.accepted"), actor=invited.user, customer=customer)
    assert _event("role.changed").before == {"role": "member"}


@pytest.mark.spec("R-I4")
def test_second_factor_switch(client, login, holder, customer) -> None:
    login(client, holder)
    client.post(client.get("/settings/security/")["Location"], {"password": PASSWORD})
    client.post("/settings/security/", {"number_login_functions": ["usage"]})
    event = _event("second_factor.switched")
    _assert_complete(event, actor=holder, customer=customer)
    assert (event.before, event.after) == ({"sms_second_factor": True}, {"sms_second_factor": False})


@pytest.mark.spec("F-06")
def test_password_reset(member, customer, last_code) -> None:
    client = Client()
    client.post("/password/forgot/", {"login": member.email, "channel": "sms"})
    code = last_code(member)
    client.post("/password/forgot/code/", {"code": code, "password1": RESET_PASSWORD, "password2": RESET_PASSWORD})
    _assert_complete(_event("password.reset"), actor=member, customer=customer)
    sent = _event("code.sent", object_id=str(member.pk))
    _assert_complete(sent, actor=member, customer=customer)
    assert sent.after == {"purpose": "password_reset", "channel": "sms"}


@pytest.mark.spec("F-07", "F-03", "F-05", "F-06", "F-08")
def test_no_code_or_password_in_the_audit_or_the_log(
    client, caplog, login, holder, manager, member, customer, last_code, invitation_link, actor_for, age_codes
) -> None:
    """Every flow that handles a secret, then every field of every event and every log line."""
    caplog.set_level(logging.DEBUG)
    secrets = {PASSWORD, NEW_PASSWORD, RESET_PASSWORD, "not-the-password-1"}

    login(client, manager)
    client.post("/accounts/login/", {"login": member.email, "password": "not-the-password-1"})
    client.post("/users/invite/", {"email": "nora@acme.example", "role": Role.MEMBER, "language": "en"})
    invited = customer.memberships.get(user__email="nora@acme.example")
    link = invitation_link(invited)
    secrets.add(link.split("/")[2])
    Client().post(
        link,
        {
            "first_name": "Nora",
            "last_name": "New",
            "phone": "0470 12 34 56",
            "language": "en",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    actions.user_set_temporary_password(actor=actor_for(holder), membership=member.memberships.get())
    temporary = TEMPORARY_RE.search(OutboxMessage.objects.filter(recipient=member.email).latest("id").body)
    assert temporary
    secrets.add(temporary.group(1))
    age_codes()
    reset = Client()
    reset.post("/password/forgot/", {"login": member.email, "channel": "email"})
    reset.post(
        "/password/forgot/code/",
        {"code": last_code(member.email), "password1": RESET_PASSWORD, "password2": RESET_PASSWORD},
    )
    phone = Client()
    phone.post("/login/phone/", {"step": "number", "phone": "0470 00 00 01"})
    phone.post("/login/phone/", {"step": "send"})
    phone.post("/login/phone/", {"step": "code", "code": last_code(holder)})

    codes = {
        m.group(1)
        for body in OutboxMessage.objects.values_list("body", flat=True)
        for m in re.finditer(r"(?<!\d)(\d{6})(?!\d)", body)
    }
    assert len(codes) >= 3  # login SMS, reset by e-mail, phone login
    events = list(AuditEvent.objects.all())
    assert len(events) >= 10
    for event in events:
        text = " ".join(str(getattr(event, field.attname)) for field in AuditEvent._meta.concrete_fields)
        for secret in secrets | codes:
            assert secret not in text, f"{secret!r} in audit event {event.action}"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in secrets | codes:
        assert secret not in logged, f"{secret!r} in the log"


def test_record_many_writes_one_row_per_object_in_one_insert(customer, manager, django_assert_num_queries) -> None:
    actor = Actor(user=manager, channel=Channel.API, ip_address="10.1.2.3")
    memberships = list(customer.memberships.select_related("user", "customer"))
    assert memberships
    with django_assert_num_queries(1):
        record_many(
            actor=actor,
            action="test.bulk",
            customer=customer,
            changes=[(m, {"status": "a"}, {"status": "b"}) for m in memberships * 3],
        )
    events = AuditEvent.objects.filter(action="test.bulk")
    assert events.count() == len(memberships) * 3
    assert {(e.channel, e.customer_id, e.ip_address, e.actor_label) for e in events} == {
        ("api", customer.pk, "10.1.2.3", manager.email)
    }


def test_record_without_a_user_is_labelled(customer) -> None:
    system = record(actor=Actor(user=None, channel=Channel.SYSTEM), action="test.system", customer=customer)
    anonymous = record(actor=Actor(user=None, channel=Channel.WEB), action="test.web", customer=customer)
    assert system.actor_label == "system"
    assert anonymous.actor_label == "anonymous"
    assert system.created_at.utcoffset() == timedelta(0)
