"""Bundle alerts (F-43, R-C2) and out-of-bundle notifications (F-42, F-51, R-C1) on rated usage:
once per period each, in the member's language, only when switched on; the managers with the
fleet or billing right are told and nothing is blocked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import formats, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.accounts.models import Function, Membership, Role, User
from fleetportal.alerts.actions import usage_evaluate
from fleetportal.alerts.consumers import ALERTS
from fleetportal.alerts.models import BundleAlert, CostAlert
from fleetportal.bundles.models import GroupBundle
from fleetportal.catalog.tests.factories import ContractGroupBundleFactory
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer, DomainEvent
from fleetportal.core.tests.factories import MembershipFactory
from fleetportal.fleet.models import Line, LineBlock
from fleetportal.notifications.models import OutboxMessage
from fleetportal.usage.models import UsageCounter

pytestmark = pytest.mark.django_db

Counter = Callable[..., UsageCounter]
Rated = Callable[..., None]


def sms_to(line: Line) -> list[str]:
    return list(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SMS, recipient=line.msisdn)
        .order_by("id")
        .values_list("body", flat=True)
    )


def emails() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL).order_by("recipient", "id"))


@pytest.mark.spec("F-43", "R-C2")
def test_each_threshold_of_each_bundle_is_sent_once(lines: list[Line], counter: Counter, rated: Rated) -> None:
    line = lines[0]
    counter(line, data_mb=Decimal(760))
    rated([line])
    counter(line, data_mb=Decimal(800), sms=Decimal(46))  # data still 80 %; SMS at 92 %
    rated([line])
    rated([line])  # the event again: nothing more
    counter(line, data_mb=Decimal(1000), sms=Decimal(46))
    rated([line])
    sent = sms_to(line)
    assert len(sent) == 3
    assert "75 % of its data bundle" in sent[0]
    assert "90 % of its SMS bundle" in sent[1]
    assert "all of its data bundle" in sent[2]
    alerts = set(BundleAlert.objects.filter(line=line).values_list("bundle", "threshold"))
    assert alerts == {("data", 75), ("data", 90), ("data", 100), ("sms", 75), ("sms", 90)}
    assert AuditEvent.objects.filter(action="alert.bundle_sent", object_id=str(line.pk)).count() == 3


@pytest.mark.spec("F-43", "R-C2")
def test_a_jump_over_several_thresholds_sends_only_the_highest(
    lines: list[Line], counter: Counter, rated: Rated
) -> None:
    line = lines[0]
    counter(line, voice_seconds=Decimal(100 * 60))  # 0 → 100 % of the minutes at once
    rated([line])
    assert len(sent := sms_to(line)) == 1 and "all of its minutes bundle" in sent[0]
    rows = BundleAlert.objects.filter(line=line).order_by("threshold")
    assert [(r.threshold, r.message_id is not None) for r in rows] == [(75, False), (90, False), (100, True)]


@pytest.mark.spec("F-43")
def test_pool_usage_and_unlimited_bundles_do_not_count_against_the_own_bundle(
    lines: list[Line], counter: Counter, rated: Rated
) -> None:
    counter(lines[0], data_mb=Decimal(1500), data_pool_mb=Decimal(1000))  # 500 own MB: 50 %
    counter(lines[1], data_mb=Decimal(9999), allowance_data_mb=None)  # unlimited
    counter(lines[2], sms=Decimal(3), allowance_sms=0)  # no SMS bundle
    rated(lines)
    assert not BundleAlert.objects.exists()
    assert not OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SMS).exists()


@pytest.mark.spec("F-43")
def test_switched_off_no_sms_and_switched_on_later_the_highest_reached(
    lines: list[Line], counter: Counter, rated: Rated
) -> None:
    line = lines[0]
    Line.objects.filter(pk=line.pk).update(bundle_alerts=False)
    counter(line, data_mb=Decimal(950))
    rated([line])
    assert sms_to(line) == [] and not BundleAlert.objects.exists()
    Line.objects.filter(pk=line.pk).update(bundle_alerts=True)
    rated([line])
    assert len(sent := sms_to(line)) == 1 and "90 %" in sent[0]


@pytest.mark.spec("F-43")
@pytest.mark.parametrize(
    ("line_language", "user_language", "customer_language", "expected"),
    [("fr", "nl", "hu", "fr"), ("", "nl", "hu", "nl"), ("", "", "hu", "hu")],
)
def test_the_sms_is_in_the_members_language(
    lines: list[Line],
    member: User,
    customer: Customer,
    counter: Counter,
    rated: Rated,
    period: dt.date,
    line_language: str,
    user_language: str,
    customer_language: str,
    expected: str,
) -> None:
    line = lines[0]
    Line.objects.filter(pk=line.pk).update(language=line_language)
    User.objects.filter(pk=member.pk).update(language=user_language)
    Customer.objects.filter(pk=customer.pk).update(language=customer_language)
    counter(line, data_mb=Decimal(800))
    rated([line])
    with translation.override(expected):
        month = formats.date_format(period, "F Y")
    (body,) = sms_to(line)
    assert month in body  # the month's name is Django's own translation in that language


@pytest.mark.spec("F-43")
def test_a_past_period_counts_apart(lines: list[Line], counter: Counter, rated: Rated, period: dt.date) -> None:
    before = (period - dt.timedelta(days=1)).replace(day=1)
    counter(lines[0], on=before, data_mb=Decimal(800))
    rated([lines[0]], on=before)
    counter(lines[0], data_mb=Decimal(800))
    rated([lines[0]])
    assert len(sms_to(lines[0])) == 2
    assert set(BundleAlert.objects.values_list("period", flat=True)) == {before, period}


# --- F-42: out of bundle ----------------------------------------------------------------------


@pytest.fixture
def managers(customer: Customer, holder: User, manager: User, billing_manager: User, member: User) -> dict[str, User]:
    """The holder, a manager, a billing manager, a member, a users-only manager, a disabled and
    an invited manager: only the first three are told."""
    users_only = MembershipFactory.create(customer=customer, role=Role.MANAGER, functions=[Function.USERS]).user
    disabled = MembershipFactory.create(customer=customer, role=Role.MANAGER, status=Membership.Status.DISABLED).user
    invited = MembershipFactory.create(customer=customer, role=Role.MANAGER, status=Membership.Status.INVITED).user
    return {"users_only": users_only, "disabled": disabled, "invited": invited}


@pytest.mark.spec("F-42", "R-C1")
def test_out_of_bundle_tells_the_fleet_and_billing_managers_once_and_blocks_nothing(
    lines: list[Line],
    counter: Counter,
    rated: Rated,
    managers: dict[str, User],
    holder: User,
    manager: User,
    billing_manager: User,
) -> None:
    line = lines[1]
    Line.objects.filter(pk=line.pk).update(out_of_bundle_notify_at=Decimal("20.00"))
    counter(line, out_of_bundle_eur=Decimal("19.99"))
    rated([line])
    assert emails() == []
    counter(line, out_of_bundle_eur=Decimal("20.00"))
    rated([line])
    counter(line, out_of_bundle_eur=Decimal("45.00"))
    rated([line])
    told = emails()
    assert sorted(m.recipient for m in told) == sorted([holder.email, manager.email, billing_manager.email])
    assert all("+32 470 30 00 02" in m.subject + m.body or "32470300002" in m.body for m in told)
    assert "20.00" in told[0].body
    alert = CostAlert.objects.get()
    assert (alert.line_id, alert.amount, alert.notify_at) == (line.pk, Decimal("20.00"), Decimal("20.00"))
    line.refresh_from_db()
    assert (line.status, LineBlock.objects.count()) == (Line.Status.ACTIVE, 0)
    assert DomainEvent.objects.filter(name="alert.out_of_bundle_sent").count() == 1


@pytest.mark.spec("F-42", "R-C1")
def test_no_amount_no_notification_and_zero_means_the_first_cent(
    lines: list[Line], counter: Counter, rated: Rated, holder: User
) -> None:
    Line.objects.filter(pk=lines[1].pk).update(out_of_bundle_notify_at=Decimal(0))
    counter(lines[0], out_of_bundle_eur=Decimal("500"))  # no amount set
    counter(lines[1])  # nothing out of bundle yet
    rated(lines[:2])
    assert emails() == []
    counter(lines[1], out_of_bundle_eur=Decimal("0.01"))
    rated(lines[:2])
    assert [m.recipient for m in emails()] == [holder.email]


@pytest.fixture
def pool(customer: Customer, catalogue: Any) -> GroupBundle:
    offer = ContractGroupBundleFactory.create(contract=catalogue)
    return GroupBundle.objects.create(
        customer=customer,
        contract=catalogue,
        offer=offer,
        name="Sales pool",
        out_of_bundle_notify_at=Decimal("100"),
        started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )


@pytest.mark.spec("F-42", "F-51", "R-C1")
def test_a_pool_over_its_amount_is_told_once(
    pool: GroupBundle, pool_counter: Callable[..., Any], rated: Rated, holder: User
) -> None:
    pool_counter(pool, out_of_bundle_eur=Decimal("150"))
    rated(pools=[pool])
    rated(pools=[pool])
    (mail,) = emails()
    assert "Sales pool" in mail.subject and "150.00" in mail.body
    assert CostAlert.objects.get().pool_id == pool.pk


@pytest.mark.spec("F-42")
def test_only_the_portal_evaluates(lines: list[Line], manager: User, customer: Customer, period: dt.date) -> None:
    from fleetportal.conftest import make_actor

    with pytest.raises(PermissionDeniedError):
        usage_evaluate(actor=make_actor(manager), customer=customer, period=period, line_ids=[], pool_ids=[])


# --- the property: once per period, iff reached ---------------------------------------------

STEPS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=1300), st.integers(min_value=0, max_value=130)),
    min_size=1,
    max_size=8,
)


@pytest.mark.spec("F-43", "F-42", "R-C2", "R-C1")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_of_counter_updates_fires_each_threshold_at_most_once_and_iff_reached(
    lines: list[Line], period: dt.date, holder: User, steps: list[tuple[int, int]]
) -> None:
    """Counters may go up and down (a re-rating after a plan change); whatever the sequence,
    each threshold is recorded once, iff some update reached it, and one SMS per update that
    reached a new one."""
    line = lines[0]
    Line.objects.filter(pk=line.pk).update(out_of_bundle_notify_at=Decimal(50))
    BundleAlert.objects.all().delete()
    CostAlert.objects.all().delete()
    OutboxMessage.objects.all().delete()
    expected_sms = 0
    reached: set[int] = set()
    for data_mb, eur in steps:
        UsageCounter.objects.update_or_create(
            line=line,
            period=period,
            defaults={"customer_id": line.customer_id, "allowance_data_mb": 1000, "data_mb": data_mb,
                      "out_of_bundle_eur": eur},
        )  # fmt: skip
        now = {t for t in (75, 90, 100) if data_mb * 100 >= t * 1000 and data_mb > 0}
        expected_sms += bool(now - reached)
        reached |= now
        usage_evaluate(actor=ALERTS, customer=line.customer, period=period, line_ids=[line.pk], pool_ids=[])
    thresholds = list(BundleAlert.objects.filter(line=line, bundle="data").values_list("threshold", flat=True))
    assert sorted(thresholds) == sorted(reached)
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SMS).count() == expected_sms
    told = any(eur >= 50 and eur > 0 for _mb, eur in steps)
    assert CostAlert.objects.count() == int(told)
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL).count() == int(told)
