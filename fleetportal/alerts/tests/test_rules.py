"""Usage rules (issue 7, go beyond): "notify / block / suspend when X" on a line, a pool, a tag
or the company, each effect once per line and period through the fleet's own actions (blocks
carry the rule's id), lifted at the next period when asked; bad rules refused on their field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.accounts.models import User
from fleetportal.alerts.actions import usage_evaluate
from fleetportal.alerts.actions_rules import RuleInput, rule_change, rule_create, rule_delete, rule_firings_lift
from fleetportal.alerts.consumers import ALERTS
from fleetportal.alerts.models import RuleFiring, UsageRule
from fleetportal.bundles.models import GroupBundle, GroupBundleMember
from fleetportal.catalog.tests.factories import ContractGroupBundleFactory
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.actions.controls import lines_blocks_change
from fleetportal.fleet.models import Line, LineBlock, Service
from fleetportal.fleet.tests.factories import LineFactory, TagFactory
from fleetportal.network.models import ProvisioningRequest
from fleetportal.notifications.models import OutboxMessage
from fleetportal.usage.models import UsageCounter
from fleetportal.usage.periods import next_period

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-40", "F-42")]

Counter = Callable[..., UsageCounter]
Rated = Callable[..., None]


def rule_of(**kwargs: Any) -> RuleInput:
    values: dict[str, Any] = {
        "name": "Data cap",
        "target": UsageRule.Target.COMPANY,
        "metric": UsageRule.Metric.DATA_PCT,
        "threshold": "90",
        "effect": UsageRule.Effect.BLOCK_DATA,
    }
    return RuleInput(**{**values, **kwargs})


@pytest.fixture
def make_rule(manager_actor: Actor, customer: Customer) -> Callable[..., UsageRule]:
    def make(**kwargs: Any) -> UsageRule:
        return rule_create(actor=manager_actor, customer=customer, data=rule_of(**kwargs))

    return make


def blocks(line: Line) -> list[tuple[str, int | None]]:
    return list(LineBlock.objects.filter(line=line).values_list("service", "rule_id"))


def status(line: Line) -> str:
    line.refresh_from_db()
    return line.status


def in_a_month(period: dt.date) -> dt.datetime:
    return dt.datetime.combine(next_period(period), dt.time(12), tzinfo=dt.UTC)


@pytest.mark.spec("rules")
def test_a_block_rule_blocks_the_lines_that_reach_it_once_per_period(
    lines: list[Line], counter: Counter, rated: Rated, make_rule: Callable[..., UsageRule]
) -> None:
    rule = make_rule()
    counter(lines[0], data_mb=Decimal(950))
    counter(lines[1], data_mb=Decimal(500))
    rated(lines[:2])
    rated(lines[:2])
    assert blocks(lines[0]) == [(Service.DATA, rule.pk)] and blocks(lines[1]) == []
    firing = RuleFiring.objects.get()
    assert (firing.line_id, firing.value, firing.outcome) == (lines[0].pk, Decimal(95), "done")
    change = AuditEvent.objects.get(action="line.blocks_changed")
    assert change.actor_label == f"Usage rule {rule.pk}: Data cap" and change.after["rule"] == rule.pk
    assert ProvisioningRequest.objects.filter(line=lines[0], operation="blocks").count() == 1
    # lifted by hand, it is not blocked again in the same period
    lines_blocks_change(actor=Actor(user=None, channel="system"), lines=[lines[0]], unblock=[Service.DATA])
    counter(lines[0], data_mb=Decimal(990))
    rated([lines[0]])
    assert blocks(lines[0]) == [] and RuleFiring.objects.count() == 1


@pytest.mark.spec("rules")
def test_roaming_and_a_chosen_traffic_type_on_a_tag(
    lines: list[Line], customer: Customer, counter: Counter, rated: Rated, make_rule: Callable[..., UsageRule]
) -> None:
    tag = TagFactory.create(customer=customer, name="Sales")
    lines[1].tags.add(tag)
    roaming = make_rule(effect=UsageRule.Effect.BLOCK_ROAMING, metric=UsageRule.Metric.OUT_OF_BUNDLE_EUR, threshold=5)
    sms = make_rule(
        target=UsageRule.Target.TAG, tag=tag, effect=UsageRule.Effect.BLOCK_SERVICE, service=Service.SMS_OUT,
        metric=UsageRule.Metric.SMS_PCT, threshold="100",
    )  # fmt: skip
    for line in lines:
        counter(line, sms=Decimal(50), out_of_bundle_eur=Decimal("5.00"))
    rated(lines)
    assert blocks(lines[0]) == [(Service.ROAMING_ALL, roaming.pk)]
    assert sorted(blocks(lines[1])) == sorted([(Service.ROAMING_ALL, roaming.pk), (Service.SMS_OUT, sms.pk)])


@pytest.mark.spec("rules", "F-42")
def test_a_notify_rule_mails_the_managers_once(
    lines: list[Line], counter: Counter, rated: Rated, make_rule: Callable[..., UsageRule], holder: User,
    manager: User,
) -> None:  # fmt: skip
    make_rule(name="Heavy users", effect=UsageRule.Effect.NOTIFY, target=UsageRule.Target.LINE, line=lines[2])
    counter(lines[2], data_mb=Decimal(900))
    rated([lines[2]])
    rated([lines[2]])
    mails = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL)
    assert sorted(mails.values_list("recipient", flat=True)) == [holder.email, manager.email]
    assert "Heavy users" in mails[0].subject and "90.00 %" in mails[0].body
    assert LineBlock.objects.count() == 0


@pytest.mark.spec("rules")
def test_suspend_and_reactivate_at_the_next_period(
    lines: list[Line], counter: Counter, rated: Rated, make_rule: Callable[..., UsageRule], period: dt.date
) -> None:
    make_rule(
        effect=UsageRule.Effect.SUSPEND, metric=UsageRule.Metric.OUT_OF_BUNDLE_EUR, threshold="50",
        lift_next_period=True,
    )  # fmt: skip
    Line.objects.filter(pk=lines[1].pk).update(status=Line.Status.SUSPENDED)
    counter(lines[0], out_of_bundle_eur=Decimal(60))
    counter(lines[1], out_of_bundle_eur=Decimal(60))
    rated(lines[:2])
    assert (status(lines[0]), status(lines[1])) == (Line.Status.SUSPENDED, Line.Status.SUSPENDED)
    outcomes = dict(RuleFiring.objects.values_list("line_id", "outcome"))
    assert outcomes == {lines[0].pk: "done", lines[1].pk: "skipped"}
    assert rule_firings_lift(now=dt.datetime.combine(period, dt.time(12), tzinfo=dt.UTC)) == 0  # same period
    assert rule_firings_lift(now=in_a_month(period)) == 1
    assert rule_firings_lift(now=in_a_month(period)) == 0  # once
    assert (status(lines[0]), status(lines[1])) == (Line.Status.ACTIVE, Line.Status.SUSPENDED)
    assert AuditEvent.objects.filter(action="rule.lifted").count() == 1


@pytest.mark.spec("rules")
def test_lifting_takes_off_the_rules_blocks_only(
    lines: list[Line], counter: Counter, rated: Rated, make_rule: Callable[..., UsageRule], period: dt.date,
    manager_actor: Actor,
) -> None:  # fmt: skip
    keep = make_rule(name="Keeps", lift_next_period=False)
    lift = make_rule(name="Lifts", effect=UsageRule.Effect.BLOCK_ROAMING, lift_next_period=True)
    counter(lines[0], data_mb=Decimal(1000))
    counter(lines[1], data_mb=Decimal(1000))
    rated(lines[:2])
    # a manager blocks roaming on the second line too: from then on it is the manager's block
    lines_blocks_change(actor=manager_actor, lines=[lines[1]], block=[Service.ROAMING_ALL])
    assert rule_firings_lift(now=in_a_month(period)) == 2
    assert blocks(lines[0]) == [(Service.DATA, keep.pk)]
    assert sorted(blocks(lines[1])) == [(Service.DATA, keep.pk), (Service.ROAMING_ALL, None)]
    assert RuleFiring.objects.filter(rule=lift, lifted_at__isnull=False).count() == 2


@pytest.mark.spec("rules", "F-51")
def test_a_pool_rule_acts_on_its_member_lines(
    lines: list[Line], customer: Customer, catalogue: Any, pool_counter: Callable[..., Any], rated: Rated,
    make_rule: Callable[..., UsageRule],
) -> None:  # fmt: skip
    pool = GroupBundle.objects.create(
        customer=customer, contract=catalogue, offer=ContractGroupBundleFactory.create(contract=catalogue),
        name="Pool", started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    for line in lines[:2]:
        GroupBundleMember.objects.create(pool=pool, line=line, joined_at=pool.started_at)
    rule = make_rule(target=UsageRule.Target.POOL, pool=pool, threshold="80")
    pool_counter(pool, data_mb=Decimal(850), allowance_data_mb=1000)
    rated(pools=[pool])
    assert blocks(lines[0]) == blocks(lines[1]) == [(Service.DATA, rule.pk)]
    assert blocks(lines[2]) == []


@pytest.mark.spec("rules")
def test_a_past_period_and_an_inactive_rule_fire_nothing(
    lines: list[Line], counter: Counter, rated: Rated, make_rule: Callable[..., UsageRule], period: dt.date
) -> None:
    make_rule(active=False)
    make_rule(name="Active")
    before = (period - dt.timedelta(days=1)).replace(day=1)
    counter(lines[0], on=before, data_mb=Decimal(2000))
    rated([lines[0]], on=before)
    assert not RuleFiring.objects.exists() and not LineBlock.objects.exists()


@pytest.mark.spec("rules")
def test_a_refused_effect_is_kept_on_the_firing_and_stops_nothing_else(
    lines: list[Line], counter: Counter, rated: Rated, make_rule: Callable[..., UsageRule]
) -> None:
    make_rule(name="Bad", effect=UsageRule.Effect.BLOCK_SERVICE, service=Service.DATA)
    UsageRule.objects.filter(name="Bad").update(service="teleport")  # no such traffic type any more
    good = make_rule(name="Good", effect=UsageRule.Effect.BLOCK_ROAMING)
    counter(lines[0], data_mb=Decimal(1000))
    rated([lines[0]])
    assert dict(RuleFiring.objects.values_list("rule__name", "outcome")) == {"Bad": "refused", "Good": "done"}
    assert blocks(lines[0]) == [(Service.ROAMING_ALL, good.pk)]


# --- managing rules ---------------------------------------------------------------------------


@pytest.mark.spec("rules")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"threshold": "-1"}, "threshold"),
        ({"threshold": "1000.01"}, "threshold"),
        ({"threshold": "ten"}, "threshold"),
        ({"threshold": "1.234"}, "threshold"),
        ({"name": "  "}, "name"),
        ({"metric": "speed"}, "metric"),
        ({"effect": UsageRule.Effect.BLOCK_SERVICE}, "service"),
        ({"target": UsageRule.Target.LINE}, "line"),
        ({"target": UsageRule.Target.TAG}, "tag"),
        ({"target": UsageRule.Target.POOL}, "pool"),
    ],
)
def test_a_bad_rule_is_refused_on_its_field(
    manager_actor: Actor, customer: Customer, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ActionError) as error:
        rule_create(actor=manager_actor, customer=customer, data=rule_of(**change))
    assert error.value.field == field
    assert not UsageRule.objects.exists() and not AuditEvent.objects.filter(action__startswith="rule.").exists()


@pytest.mark.spec("rules")
def test_eur_thresholds_may_pass_1000_and_a_target_of_another_customer_is_refused(
    manager_actor: Actor, customer: Customer, other_customer: Customer
) -> None:
    rule = rule_create(
        actor=manager_actor, customer=customer, data=rule_of(metric=UsageRule.Metric.OUT_OF_BUNDLE_EUR, threshold=2500)
    )
    assert rule.threshold == Decimal(2500)
    foreign = LineFactory.create(customer=other_customer)
    with pytest.raises(ActionError) as error:
        rule_change(actor=manager_actor, rule=rule, data=rule_of(target=UsageRule.Target.LINE, line=foreign))
    assert error.value.field == "line"
    rule.refresh_from_db()
    assert rule.target == UsageRule.Target.COMPANY


@pytest.mark.spec("rules")
def test_only_fleet_managers_of_the_customer_manage_rules(
    manager_actor: Actor, member_actor: Actor, other_actor: Actor, customer: Customer, billing_manager: User
) -> None:
    from fleetportal.conftest import make_actor

    for actor in (member_actor, other_actor, make_actor(billing_manager)):
        with pytest.raises(PermissionDeniedError):
            rule_create(actor=actor, customer=customer, data=rule_of())
    rule = rule_create(actor=manager_actor, customer=customer, data=rule_of())
    with pytest.raises(PermissionDeniedError):
        rule_delete(actor=other_actor, rule=rule)
    rule_delete(actor=manager_actor, rule=rule)
    assert not UsageRule.objects.exists()
    assert list(AuditEvent.objects.filter(action__startswith="rule.").values_list("action", flat=True)) == [
        "rule.deleted",
        "rule.created",
    ]


# --- the property: each effect once per line and period, iff reached --------------------------


@pytest.mark.spec("rules")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1500)), min_size=1, max_size=6))
def test_any_sequence_of_ratings_applies_a_rule_once_per_line_iff_reached(
    lines: list[Line], period: dt.date, make_rule: Callable[..., UsageRule], steps: list[tuple[int, int]]
) -> None:
    """Counters of two lines going up and down over several ratings (and the same rating seen
    twice): a line is blocked by the rule once, iff one of its ratings reached 90 %."""
    rule = UsageRule.objects.first() or make_rule()
    RuleFiring.objects.all().delete()
    LineBlock.objects.all().delete()
    for index, data_mb in steps:
        line = lines[index]
        UsageCounter.objects.update_or_create(
            line=line, period=period,
            defaults={"customer_id": line.customer_id, "allowance_data_mb": 1000, "data_mb": data_mb},
        )  # fmt: skip
        for _again in range(2):
            usage_evaluate(actor=ALERTS, customer=line.customer, period=period, line_ids=[line.pk], pool_ids=[])
    for index, line in enumerate(lines[:2]):
        reached = any(i == index and mb >= 900 for i, mb in steps)
        assert RuleFiring.objects.filter(line=line).count() == int(reached)
        assert blocks(line) == ([(Service.DATA, rule.pk)] if reached else [])
