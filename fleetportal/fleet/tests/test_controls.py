"""The line controls' actions (SPEC §4): blocks for one line or thousands, all or nothing (F-40,
R2), a usage rule's blocks lifted by that rule only, the PayByMobile limit (F-41), the
out-of-bundle notification amount that never blocks (F-42, R-C1) and the member's bundle alerts
switch (F-43); each change audited and, when the network bars something new, provisioned."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.accounts.models import ApiKey
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.inserts import insert_rows
from fleetportal.core.models import AuditEvent, Channel, Customer, DomainEvent
from fleetportal.fleet.actions import (
    line_blocks_set,
    line_bundle_alerts_set,
    line_limits_change,
    lines_blocks_change,
    review_blocks_change,
)
from fleetportal.fleet.models import Line, LineBlock, Service
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.network.models import ProvisioningRequest

pytestmark = pytest.mark.spec("F-40")

JOB = Actor(user=None, channel=Channel.JOB)  # the rule engine's actor


def blocks_of(line: Line) -> dict[str, int | None]:
    return dict(LineBlock.objects.filter(line=line).values_list("service", "rule_id"))


def requests_of(line: Line) -> list[ProvisioningRequest]:
    return list(ProvisioningRequest.objects.filter(line=line, operation="blocks").order_by("id"))


def nothing_changed(*lines: Line) -> None:
    for line in lines:
        before = line.version
        line.refresh_from_db()
        assert line.version == before
    assert not LineBlock.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="line.blocks").exists()
    assert not ProvisioningRequest.objects.exists()


# --- blocks ----------------------------------------------------------------------------------------


def test_blocks_are_set_audited_and_sent_to_the_network_per_line(manager_actor: Actor, make_line) -> None:
    first, second = make_line(), make_line()
    changed = lines_blocks_change(actor=manager_actor, lines=[first, second], block=["data", "roaming_all"])
    assert changed == 2
    for line in (first, second):
        assert blocks_of(line) == {"data": None, "roaming_all": None}
        (request,) = requests_of(line)
        assert request.payload == {
            "msisdn": line.msisdn,
            "blocks": ["data", "roaming_all"],
            "paybymobile": "unlimited",
            "paybymobile_cap": None,
        }
        line.refresh_from_db()
        assert line.version == 2 and line.network_state == Line.NetworkState.PENDING
        event = AuditEvent.objects.get(action="line.blocks_changed", object_id=str(line.pk))
        assert event.before == {"blocks": []}
        assert event.after == {
            "blocks": ["data", "roaming_all"],
            "blocked": ["data", "roaming_all"],
            "unblocked": [],
            "rule": None,
        }
        assert event.channel == Channel.WEB and event.actor_label == manager_actor.label
    assert DomainEvent.objects.filter(name="line.blocks_changed").count() == 2


def test_unblocking_lifts_and_sends_the_profile_left(manager_actor: Actor, make_line) -> None:
    line = make_line()
    lines_blocks_change(actor=manager_actor, lines=[line], block=iter(["data", "mms"]))  # any iterable
    assert lines_blocks_change(actor=manager_actor, lines=[line], unblock=["data"]) == 1
    assert blocks_of(line) == {"mms": None}
    assert requests_of(line)[-1].payload["blocks"] == ["mms"]


def test_lines_the_change_does_not_alter_are_left_alone(manager_actor: Actor, make_line) -> None:
    blocked, free = make_line(), make_line()
    lines_blocks_change(actor=manager_actor, lines=[blocked], block=["data"])
    blocked.refresh_from_db()
    assert lines_blocks_change(actor=manager_actor, lines=[blocked, free], block=["data"]) == 1
    assert len(requests_of(blocked)) == 1 and len(requests_of(free)) == 1
    assert AuditEvent.objects.filter(action="line.blocks_changed", object_id=str(blocked.pk)).count() == 1
    assert lines_blocks_change(actor=manager_actor, lines=[blocked, free], unblock=["mms"]) == 0


def test_a_pending_line_keeps_its_blocks_but_the_network_is_not_asked(manager_actor: Actor, make_line) -> None:
    pending = make_line(status=Line.Status.PENDING)
    assert lines_blocks_change(actor=manager_actor, lines=[pending], block=["calls_out"]) == 1
    pending.refresh_from_db()
    assert blocks_of(pending) == {"calls_out": None} and pending.network_state == Line.NetworkState.IN_SYNC
    assert not requests_of(pending)


def test_the_activation_sends_what_was_set_while_pending(manager_actor: Actor, make_line) -> None:
    from django.utils import timezone

    from fleetportal.fleet.actions import line_activate

    pending = make_line(status=Line.Status.PENDING, paybymobile="blocked")
    plain = make_line(status=Line.Status.PENDING)
    lines_blocks_change(actor=manager_actor, lines=[pending], block=["roaming_all"])
    pending.refresh_from_db()
    line_activate(actor=manager_actor, lines=[pending, plain], on=timezone.localdate())
    (request,) = requests_of(pending)
    assert request.payload["blocks"] == ["roaming_all"] and request.payload["paybymobile"] == "blocked"
    assert not requests_of(plain)


@pytest.mark.spec("R2")
def test_a_stopped_line_refuses_the_whole_change_naming_it(manager_actor: Actor, make_line) -> None:
    active = make_line()
    stopped = make_line(status=Line.Status.STOPPED, msisdn="+32470111222")
    with pytest.raises(ActionError) as refused:
        lines_blocks_change(actor=manager_actor, lines=[active, stopped], block=["data"])
    assert refused.value.field == "lines" and "470 11 12 22 is Stopped" in str(refused.value.message)
    nothing_changed(active, stopped)


@pytest.mark.parametrize(
    ("block", "unblock", "field", "text"),
    [
        (["data", "fax"], [], "block", "Unknown service fax"),
        ([], ["teleport"], "unblock", "Unknown service teleport"),
        ([], [], "block", "Choose services"),
        (["data"], ["data"], "unblock", "Mobile data cannot be blocked and unblocked"),
    ],
)
def test_bad_services_are_refused_on_their_field(
    manager_actor: Actor, make_line, block: list[str], unblock: list[str], field: str, text: str
) -> None:
    line = make_line()
    with pytest.raises(ActionError) as refused:
        lines_blocks_change(actor=manager_actor, lines=[line], block=block, unblock=unblock)
    assert refused.value.field == field and text in str(refused.value.message)
    nothing_changed(line)


@pytest.mark.spec("R2")
def test_a_line_changed_meanwhile_refuses_the_change_when_versions_are_given(manager_actor: Actor, make_line) -> None:
    line, other = make_line(), make_line()
    seen = {line.pk: line.version, other.pk: other.version}
    Line.objects.filter(pk=other.pk).update(version=other.version + 1)
    with pytest.raises(ActionError) as refused:
        lines_blocks_change(actor=manager_actor, lines=[line, other], block=["data"], versions=seen)
    assert refused.value.code == "conflict"
    assert not LineBlock.objects.exists() and not ProvisioningRequest.objects.exists()
    # Without versions (the rule engine's objects may be old) the change goes through.
    assert lines_blocks_change(actor=JOB, lines=[line, other], block=["data"], rule_id=7) == 2


@pytest.mark.spec("F-40", "R-C1")
def test_a_rule_lifts_only_the_blocks_it_set(manager_actor: Actor, make_line) -> None:
    line = make_line()
    lines_blocks_change(actor=manager_actor, lines=[line], block=["roaming_data"])
    assert lines_blocks_change(actor=JOB, lines=[line], block=["data", "roaming_data"], rule_id=7) == 1
    assert blocks_of(line) == {"roaming_data": None, "data": 7}  # the manager's stays the manager's
    lines_blocks_change(actor=JOB, lines=[line], block=["mms"], rule_id=8)
    # The next period: rule 7 lifts its own, not the manager's nor rule 8's.
    assert lines_blocks_change(actor=JOB, lines=[line], unblock=["data", "roaming_data", "mms"], rule_id=7) == 1
    assert blocks_of(line) == {"roaming_data": None, "mms": 8}
    assert requests_of(line)[-1].payload["blocks"] == ["mms", "roaming_data"]
    event = AuditEvent.objects.filter(action="line.blocks_changed").latest("id")
    assert event.actor_label == "system" and event.after["rule"] == 7 and event.after["unblocked"] == ["data"]


def test_a_manager_blocking_what_a_rule_blocked_takes_it_over(manager_actor: Actor, make_line) -> None:
    line = make_line()
    lines_blocks_change(actor=JOB, lines=[line], block=["data"], rule_id=7)
    sent = len(requests_of(line))
    assert lines_blocks_change(actor=manager_actor, lines=[line], block=["data"]) == 1
    assert blocks_of(line) == {"data": None}
    assert len(requests_of(line)) == sent  # the network bars the same as before
    assert lines_blocks_change(actor=JOB, lines=[line], unblock=["data"], rule_id=7) == 0
    assert blocks_of(line) == {"data": None}


def test_a_manager_lifts_a_rules_block(manager_actor: Actor, make_line) -> None:
    line = make_line()
    lines_blocks_change(actor=JOB, lines=[line], block=["data"], rule_id=7)
    assert lines_blocks_change(actor=manager_actor, lines=[line], unblock=["data"]) == 1
    assert blocks_of(line) == {}


@pytest.mark.spec("F-40", "S1")
def test_only_fleet_managers_keys_with_the_fleet_scope_and_portal_jobs_change_blocks(
    member_actor: Actor, other_actor: Actor, billing_manager, make_line, holder, new_key
) -> None:
    from fleetportal.conftest import make_actor

    line = make_line()
    for actor in (member_actor, other_actor, make_actor(billing_manager)):
        with pytest.raises(PermissionDeniedError):
            lines_blocks_change(actor=actor, lines=[line], block=["data"])
    read_key, _secret = new_key(holder, scopes=("read",))
    with pytest.raises(PermissionDeniedError):
        lines_blocks_change(actor=Actor(user=None, channel=Channel.API, api_key=read_key), lines=[line], block=["data"])
    nothing_changed(line)
    fleet_key: ApiKey = new_key(holder, scopes=("fleet",))[0]
    assert (
        lines_blocks_change(
            actor=Actor(user=None, channel=Channel.API, api_key=fleet_key), lines=[line], block=["data"]
        )
        == 1
    )


def test_the_review_says_per_number_what_changes_and_which_line_refuses(make_line) -> None:
    blocked = make_line()
    LineBlock.objects.create(line=blocked, service="data")
    free = make_line()
    stopped = make_line(status=Line.Status.STOPPED)
    review = review_blocks_change([blocked, free, stopped], block=["data", "mms"], unblock=["sms_out"])
    rows = {row.line.pk: row for row in review.rows}
    assert rows[blocked.pk].blocked == ["mms"] and rows[blocked.pk].after == ["data", "mms"]
    assert set(rows[free.pk].blocked) == {"data", "mms"} and rows[free.pk].unblocked == []
    assert rows[stopped.pk].refusal is not None and not rows[stopped.pk].changes
    assert [row.line.pk for row in review.changing] == [blocked.pk, free.pk]


@pytest.mark.spec("F-40", "P3")
def test_a_blocks_change_costs_the_same_queries_for_few_or_many_lines(
    manager_actor: Actor, make_line, django_assert_max_num_queries
) -> None:
    few, many = [make_line() for _ in range(3)], [make_line() for _ in range(30)]
    with CaptureQueriesContext(connection) as for_few:
        lines_blocks_change(actor=manager_actor, lines=few, block=["data"], unblock=["mms"])
    with django_assert_max_num_queries(len(for_few)):
        lines_blocks_change(actor=manager_actor, lines=many, block=["data"], unblock=["mms"])
    assert len(for_few) <= 14


@pytest.mark.spec("F-40", "P3")
def test_ten_thousand_lines_are_blocked_at_once(manager_actor: Actor, make_line, customer: Customer) -> None:
    template = make_line()
    rows = [
        {"msisdn": f"+32497{n:06d}", "status": "active", "network_state": "in_sync", "version": 1}
        for n in range(10_000)
    ]
    same = {"customer": customer, "plan": template.plan, "billing_account": template.billing_account}
    ids = insert_rows(Line, rows, same=same)
    lines = list(Line.objects.filter(pk__in=ids))
    started = time.perf_counter()
    assert lines_blocks_change(actor=manager_actor, lines=lines, block=["roaming_all"]) == 10_000
    elapsed = time.perf_counter() - started
    assert LineBlock.objects.filter(service="roaming_all").count() == 10_000
    assert ProvisioningRequest.objects.filter(operation="blocks").count() == 10_000
    assert AuditEvent.objects.filter(action="line.blocks_changed").count() == 10_000
    assert elapsed < 30, elapsed


services = st.sets(st.sampled_from(Service.values), max_size=4)
changes = st.tuples(services, services, st.sampled_from([None, 1, 2])).filter(
    lambda change: bool(change[0] or change[1]) and not change[0] & change[1]
)


@pytest.mark.spec("F-40", "R-C1")
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(steps=st.lists(changes, min_size=1, max_size=6))
def test_any_sequence_of_changes_leaves_what_the_rules_say(
    manager_actor: Actor, make_line, steps: list[tuple[set[str], set[str], int | None]]
) -> None:
    """Manager (rule None) and rule changes in any order: a rule adds what is not blocked yet and
    lifts only its own; a manager's block is the manager's, their unblock lifts any. The network
    always gets the blocks the line is left with."""
    line = make_line()
    model: dict[str, int | None] = {}
    for block, unblock, rule in steps:
        actor = manager_actor if rule is None else JOB
        before = dict(model)
        for service in block:
            if service not in model or rule is None:
                model[service] = rule if service not in model else None
        for service in unblock:
            if service in model and (rule is None or model[service] == rule):
                del model[service]
        changed = lines_blocks_change(actor=actor, lines=[line], block=block, unblock=unblock, rule_id=rule)
        assert changed == (1 if model != before else 0)
        assert blocks_of(line) == model
        if set(model) != set(before):
            assert requests_of(line)[-1].payload["blocks"] == sorted(model)


# --- the Manage SIM tab: exactly this set ---------------------------------------------------------


def test_the_tab_sets_exactly_the_blocks_chosen(manager_actor: Actor, make_line) -> None:
    line = make_line()
    assert line_blocks_set(actor=manager_actor, line=line, services=["data", "mms"]) is True
    line.refresh_from_db()
    assert line_blocks_set(actor=manager_actor, line=line, services=["mms", "sms_in"], version=line.version) is True
    assert blocks_of(line) == {"mms": None, "sms_in": None}
    assert line_blocks_set(actor=manager_actor, line=line, services=["sms_in", "mms"]) is False
    assert line_blocks_set(actor=manager_actor, line=line, services=[]) is True
    assert blocks_of(line) == {}


def test_the_tab_keeps_a_rules_block_the_rules(manager_actor: Actor, make_line) -> None:
    line = make_line()
    lines_blocks_change(actor=JOB, lines=[line], block=["data"], rule_id=3)
    line_blocks_set(actor=manager_actor, line=line, services=["data", "mms"])
    assert blocks_of(line) == {"data": 3, "mms": None}


def test_the_tab_refuses_an_old_version_an_unknown_service_and_a_stopped_line(manager_actor: Actor, make_line) -> None:
    line = make_line()
    with pytest.raises(ActionError) as stale:
        line_blocks_set(actor=manager_actor, line=line, services=["data"], version=line.version - 1)
    assert stale.value.code == "conflict"
    with pytest.raises(ActionError) as unknown:
        line_blocks_set(actor=manager_actor, line=line, services=["warp"])
    assert unknown.value.field == "blocks"
    stopped = make_line(status=Line.Status.STOPPED)
    with pytest.raises(ActionError) as refused:
        line_blocks_set(actor=manager_actor, line=stopped, services=["data"])
    assert "Stopped" in str(refused.value.message)
    nothing_changed(line, stopped)


# --- PayByMobile and the out-of-bundle notification ------------------------------------------------


@pytest.mark.spec("F-41")
def test_a_paybymobile_cap_is_kept_audited_and_sent_to_the_network(manager_actor: Actor, make_line) -> None:
    line = make_line()
    LineBlock.objects.create(line=line, service="roaming_data")
    changed = line_limits_change(
        actor=manager_actor,
        line=line,
        paybymobile="capped",
        paybymobile_cap=Decimal("25.5"),
        out_of_bundle_notify_at=None,
        version=line.version,
    )
    line.refresh_from_db()
    assert changed.paybymobile_cap == line.paybymobile_cap == Decimal("25.50") and line.paybymobile == "capped"
    assert line.network_state == Line.NetworkState.PENDING
    (request,) = requests_of(line)
    assert request.payload == {
        "msisdn": line.msisdn,
        "blocks": ["roaming_data"],
        "paybymobile": "capped",
        "paybymobile_cap": "25.50",
    }
    event = AuditEvent.objects.get(action="line.limits_changed")
    assert event.before == {"paybymobile": "unlimited", "paybymobile_cap": None, "out_of_bundle_notify_at": None}
    assert event.after == {"paybymobile": "capped", "paybymobile_cap": "25.50", "out_of_bundle_notify_at": None}


@pytest.mark.spec("F-41")
def test_no_limit_or_blocked_drops_the_cap(manager_actor: Actor, make_line) -> None:
    line = make_line(paybymobile="capped", paybymobile_cap=Decimal("10"))
    line_limits_change(
        actor=manager_actor,
        line=line,
        paybymobile="blocked",
        paybymobile_cap=Decimal("10"),
        out_of_bundle_notify_at=None,
    )
    line.refresh_from_db()
    assert line.paybymobile == "blocked" and line.paybymobile_cap is None
    assert requests_of(line)[-1].payload["paybymobile"] == "blocked"


@pytest.mark.spec("F-42", "R-C1")
def test_the_out_of_bundle_amount_is_kept_and_blocks_nothing(manager_actor: Actor, make_line) -> None:
    line = make_line()
    line_limits_change(
        actor=manager_actor,
        line=line,
        paybymobile="unlimited",
        paybymobile_cap=None,
        out_of_bundle_notify_at=Decimal("50"),
    )
    line.refresh_from_db()
    assert line.out_of_bundle_notify_at == Decimal("50.00")
    assert not ProvisioningRequest.objects.exists() and line.network_state == Line.NetworkState.IN_SYNC
    assert AuditEvent.objects.get(action="line.limits_changed").after["out_of_bundle_notify_at"] == "50.00"
    # The same values again: nothing to do, nothing audited.
    line_limits_change(
        actor=manager_actor,
        line=line,
        paybymobile="unlimited",
        paybymobile_cap=None,
        out_of_bundle_notify_at=Decimal("50.00"),
    )
    assert AuditEvent.objects.filter(action="line.limits_changed").count() == 1


@pytest.mark.spec("F-41", "F-42", "R3")
@pytest.mark.parametrize(
    ("paybymobile", "cap", "notify_at", "field", "text"),
    [
        ("capped", None, None, "paybymobile_cap", "Enter the monthly PayByMobile limit"),
        ("capped", Decimal("-1"), None, "paybymobile_cap", "from 0 to 999,999.99"),
        ("capped", "abc", None, "paybymobile_cap", "Enter an amount in EUR"),
        ("capped", Decimal("1000000"), None, "paybymobile_cap", "from 0 to 999,999.99"),
        ("capped", Decimal("1.234"), None, "paybymobile_cap", "at most 2 decimals"),
        ("unlimited", None, Decimal("-0.01"), "out_of_bundle_notify_at", "from 0"),
        ("unlimited", None, Decimal("NaN"), "out_of_bundle_notify_at", "Enter an amount"),
        ("sometimes", None, None, "paybymobile", "Choose one of"),
    ],
)
def test_bad_limits_are_refused_on_their_field(
    manager_actor: Actor, make_line, paybymobile: str, cap: object, notify_at: object, field: str, text: str
) -> None:
    line = make_line()
    with pytest.raises(ActionError) as refused:
        line_limits_change(
            actor=manager_actor,
            line=line,
            paybymobile=paybymobile,
            paybymobile_cap=cap,  # type: ignore[arg-type]
            out_of_bundle_notify_at=notify_at,  # type: ignore[arg-type]
        )
    assert refused.value.field == field and text in str(refused.value.message)
    line.refresh_from_db()
    assert line.version == 1 and line.paybymobile == "unlimited" and not AuditEvent.objects.exists()


@pytest.mark.spec("F-41")
def test_limits_of_a_stopped_line_or_by_a_member_are_refused(
    member_actor: Actor, manager_actor: Actor, make_line
) -> None:
    stopped = make_line(status=Line.Status.STOPPED)
    with pytest.raises(ActionError):
        line_limits_change(
            actor=manager_actor, line=stopped, paybymobile="blocked", paybymobile_cap=None, out_of_bundle_notify_at=None
        )
    with pytest.raises(PermissionDeniedError):
        line_limits_change(
            actor=member_actor,
            line=make_line(),
            paybymobile="blocked",
            paybymobile_cap=None,
            out_of_bundle_notify_at=None,
        )
    assert not AuditEvent.objects.exists()


# --- bundle alerts ---------------------------------------------------------------------------------


@pytest.mark.spec("F-43")
def test_the_member_switches_the_bundle_alerts_of_their_own_line(member_actor: Actor, member, make_line) -> None:
    own = make_line(user=member)
    line_bundle_alerts_set(actor=member_actor, line=own, enabled=False)
    own.refresh_from_db()
    assert own.bundle_alerts is False
    event = AuditEvent.objects.get(action="line.bundle_alerts_switched")
    assert event.before == {"bundle_alerts": True} and event.after == {"bundle_alerts": False}
    line_bundle_alerts_set(actor=member_actor, line=own, enabled=False)  # already off: nothing to do
    assert AuditEvent.objects.filter(action="line.bundle_alerts_switched").count() == 1
    assert not ProvisioningRequest.objects.exists()


@pytest.mark.spec("F-43", "S1")
def test_bundle_alerts_of_another_line_only_by_its_managers(
    member_actor: Actor, manager_actor: Actor, other_actor: Actor, member, make_line
) -> None:
    colleague = make_line()
    with pytest.raises(PermissionDeniedError):
        line_bundle_alerts_set(actor=member_actor, line=colleague, enabled=False)
    with pytest.raises(PermissionDeniedError):
        line_bundle_alerts_set(actor=other_actor, line=colleague, enabled=False)
    line_bundle_alerts_set(actor=manager_actor, line=colleague, enabled=False)
    colleague.refresh_from_db()
    assert colleague.bundle_alerts is False


@pytest.mark.spec("F-43", "R-I5")
def test_a_phone_number_login_switches_its_own_numbers_alerts(member, make_line, customer: Customer) -> None:
    own = make_line(msisdn="+32470555666")
    other = make_line()
    membership = member.memberships.get()
    by_number = Actor(user=member, membership=membership, number="+32470555666")
    line_bundle_alerts_set(actor=by_number, line=own, enabled=False)
    with pytest.raises(PermissionDeniedError):
        line_bundle_alerts_set(actor=by_number, line=other, enabled=False)
    own.refresh_from_db()
    assert own.bundle_alerts is False


def test_the_factories_line_of_another_customer_is_not_managed(manager_actor: Actor, other_customer: Customer) -> None:
    foreign = LineFactory.create(customer=other_customer)
    with pytest.raises(PermissionDeniedError):
        line_blocks_set(actor=manager_actor, line=foreign, services=["data"])
