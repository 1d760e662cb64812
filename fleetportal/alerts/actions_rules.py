"""Usage rules (issue 7, go beyond): a manager's "notify / block data, roaming or a traffic type /
suspend when a line, a pool, a tag's lines or the whole company reach X % of a bundle or X EUR
out of bundle", evaluated on every rating of the current period.

A rule's effect on a line happens once per period: a `RuleFiring` row (unique rule, line,
period) is written with it. Effects go through the fleet's own actions, as a manager's change
from the pages would (`lines_blocks_change` with the rule's id, `lines_suspend`), acting as a
portal job named after the rule, so they are audited, provisioned and shown on the line like
any other. A fleet action's refusal (e.g. the line changed meanwhile) is kept on the firing as
"refused" and does not stop the other rules.

Only the current period fires: re-rating a past month must not block a line today. With
`lift_next_period`, `rule_firings_lift` (a periodic job) undoes the blocks (only those the rule
set) and suspensions of earlier periods once. Deleting a rule forgets its firings and leaves its
blocks on the lines, where a manager lifts them; to have them lifted, switch the rule off.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.bundles.models import GroupBundle, GroupBundleMember
from fleetportal.core import audit
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Channel, Customer
from fleetportal.core.phones import display
from fleetportal.fleet.actions.common import LIVE, require_fleet
from fleetportal.fleet.actions.controls import lines_blocks_change
from fleetportal.fleet.actions.lifecycle import lines_reactivate, lines_suspend
from fleetportal.fleet.models import Line, Service, Tag
from fleetportal.notifications import outbox
from fleetportal.usage.models import PoolCounter, UsageCounter
from fleetportal.usage.periods import period_of

from .events import RULE_CHANGED, RULE_CREATED, RULE_DELETED, RULE_FIRED, RULE_LIFTED
from .measures import metric_value, reached
from .models import RuleFiring, UsageRule
from .recipients import managers_to_tell

Effect = UsageRule.Effect
Metric = UsageRule.Metric
Target = UsageRule.Target

MAX_PERCENT = Decimal(1000)
BLOCKING = (Effect.BLOCK_DATA, Effect.BLOCK_ROAMING, Effect.BLOCK_SERVICE)
LIFTABLE = (*BLOCKING, Effect.SUSPEND)
_SERVICE_OF = {Effect.BLOCK_DATA: Service.DATA, Effect.BLOCK_ROAMING: Service.ROAMING_ALL}


def rule_actor(rule: UsageRule) -> Actor:
    """The portal acting for a rule: the audit trail names the rule."""
    return Actor(user=None, channel=Channel.SYSTEM, name=f"Usage rule {rule.pk}: {rule.name}"[:254])


def current_period() -> dt.date:
    return period_of(timezone.now())


# --- Managing rules -------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    """What a rule's form or API body says; `rule_clean` checks it for the customer."""

    name: str
    target: str
    metric: str
    threshold: Any
    effect: str
    line: Line | None = None
    pool: GroupBundle | None = None
    tag: Tag | None = None
    service: str = ""
    lift_next_period: bool = False
    active: bool = True


def _choice(value: str, choices: type[Any], field: str) -> str:
    if value not in choices.values:
        raise ActionError(_("Choose one of the offered values."), field=field)
    return value


def clean_threshold(value: Any, metric: str) -> Decimal:
    """A rule's threshold: a number ≥ 0 with at most 2 decimals; a % at most 1000."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise ActionError(_("Enter the threshold, such as 90 or 25.50."), field="threshold")
    try:
        amount = Decimal(value.strip().replace(",", ".") if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError):
        raise ActionError(_("Enter the threshold, such as 90 or 25.50."), field="threshold") from None
    if not amount.is_finite() or amount < 0:
        raise ActionError(_("The threshold cannot be below 0."), field="threshold")
    if amount != amount.quantize(Decimal("0.01")):
        raise ActionError(_("Enter a threshold with at most 2 decimals."), field="threshold")
    if metric != Metric.OUT_OF_BUNDLE_EUR and amount > MAX_PERCENT:
        raise ActionError(_("A threshold in % of a bundle is at most 1000 %."), field="threshold")
    if amount >= Decimal(10) ** 8:
        raise ActionError(_("The threshold is at most 99,999,999.99 EUR."), field="threshold")
    return amount.quantize(Decimal("0.01"))


def rule_clean(customer: Customer, data: RuleInput) -> dict[str, Any]:
    """The rule's fields, or the first refusal naming its field; a target of another customer
    is refused as not found among the customer's."""
    name = data.name.strip()
    if not name:
        raise ActionError(_("Give the rule a name."), field="name")
    if len(name) > UsageRule._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ActionError(_("The name is at most 100 characters."), field="name")
    target = _choice(data.target, Target, "target")
    metric = _choice(data.metric, Metric, "metric")
    effect = _choice(data.effect, Effect, "effect")
    fields: dict[str, Any] = {"line": None, "pool": None, "tag": None}
    if target == Target.LINE:
        if data.line is None or data.line.customer_id != customer.pk or data.line.status == Line.Status.STOPPED:
            raise ActionError(_("Choose one of your lines."), field="line")
        fields["line"] = data.line
    elif target == Target.POOL:
        if data.pool is None or data.pool.customer_id != customer.pk or data.pool.ended_at is not None:
            raise ActionError(_("Choose one of your group bundles."), field="pool")
        fields["pool"] = data.pool
    elif target == Target.TAG:
        if data.tag is None or data.tag.customer_id != customer.pk:
            raise ActionError(_("Choose one of your tags."), field="tag")
        fields["tag"] = data.tag
    service = ""
    if effect == Effect.BLOCK_SERVICE:
        if data.service not in Service.values:
            raise ActionError(_("Choose the traffic type to block."), field="service")
        service = data.service
    return {
        **fields,
        "name": name,
        "target": target,
        "metric": metric,
        "threshold": clean_threshold(data.threshold, metric),
        "effect": effect,
        "service": service,
        "lift_next_period": bool(data.lift_next_period) and effect in LIFTABLE,
        "active": bool(data.active),
    }


def rule_snapshot(rule: UsageRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "target": rule.target,
        "line": rule.line_id,
        "pool": rule.pool_id,
        "tag": rule.tag_id,
        "metric": rule.metric,
        "threshold": str(rule.threshold),
        "effect": rule.effect,
        "service": rule.service,
        "lift_next_period": rule.lift_next_period,
        "active": rule.active,
    }


@transaction.atomic
def rule_create(*, actor: Actor, customer: Customer, data: RuleInput) -> UsageRule:
    """A manager with the fleet right sets a rule for their customer."""
    require_fleet(actor, customer)
    rule = UsageRule.objects.create(customer=customer, created_by=actor.user, **rule_clean(customer, data))
    audit.record(actor=actor, action="rule.created", customer=customer, obj=rule, after=rule_snapshot(rule))
    RULE_CREATED.record(customer=customer, obj=rule, data={"rule": rule.pk})
    return rule


@transaction.atomic
def rule_change(*, actor: Actor, rule: UsageRule, data: RuleInput) -> UsageRule:
    """Change a rule; its firings of this period stay (each effect is once per period)."""
    require_fleet(actor, rule.customer_id)
    rule = UsageRule.objects.select_for_update().get(pk=rule.pk)
    before = rule_snapshot(rule)
    for name, value in rule_clean(rule.customer, data).items():
        setattr(rule, name, value)
    rule.save()
    after = rule_snapshot(rule)
    if after != before:
        audit.record(actor=actor, action="rule.changed", customer=rule.customer, obj=rule, before=before, after=after)
        RULE_CHANGED.record(customer=rule.customer, obj=rule, data={"rule": rule.pk})
    return rule


@transaction.atomic
def rule_delete(*, actor: Actor, rule: UsageRule) -> None:
    """Delete a rule and its firings; blocks it set stay on the lines (module docstring)."""
    require_fleet(actor, rule.customer_id)
    audit.record(actor=actor, action="rule.deleted", customer=rule.customer, obj=rule, before=rule_snapshot(rule))
    RULE_DELETED.record(customer=rule.customer, obj=rule, data={"rule": rule.pk})
    rule.delete()


# --- Evaluating them ------------------------------------------------------------------------


def _candidates(
    rules: Sequence[UsageRule], counters: Sequence[UsageCounter], pools: Sequence[PoolCounter]
) -> dict[int, dict[int, Decimal]]:
    """rule id → {line id: the value it reached}, for the lines each rule's threshold reaches."""
    by_line = {c.line_id: c for c in counters}
    pool_counters = {p.pool_id: p for p in pools}
    tagged: dict[int, set[int]] = defaultdict(set)
    for tag_id, line_id in Line.tags.through.objects.filter(
        tag_id__in=[r.tag_id for r in rules if r.target == Target.TAG], line_id__in=by_line
    ).values_list("tag_id", "line_id"):
        tagged[tag_id].add(line_id)
    members: dict[int, list[int]] = defaultdict(list)
    for pool_id, line_id in GroupBundleMember.objects.filter(
        pool_id__in=[r.pool_id for r in rules if r.target == Target.POOL], left_at__isnull=True
    ).values_list("pool_id", "line_id"):
        members[pool_id].append(line_id)
    found: dict[int, dict[int, Decimal]] = {}
    for rule in rules:
        reach: dict[int, Decimal] = {}
        if rule.target == Target.POOL:
            pool = pool_counters.get(rule.pool_id or 0)
            value = metric_value(pool, rule.metric) if pool is not None else None
            if value is not None and reached(value, rule.threshold):
                reach = dict.fromkeys(members[rule.pool_id or 0], value)
        else:
            if rule.target == Target.LINE:
                ids: Sequence[int] | set[int] = [rule.line_id] if rule.line_id in by_line else []
            elif rule.target == Target.TAG:
                ids = tagged[rule.tag_id or 0]
            else:
                ids = list(by_line)
            for line_id in ids:
                value = metric_value(by_line[line_id], rule.metric)
                if value is not None and reached(value, rule.threshold):
                    reach[line_id] = value
        if reach:
            found[rule.pk] = reach
    return found


def rules_evaluate(
    *, customer: Customer, period: dt.date, counters: Sequence[UsageCounter], pools: Sequence[PoolCounter]
) -> list[RuleFiring]:
    """Apply the customer's active rules that these counters reach, each once per line and
    period; the portal's job (`usage_evaluate` checked who runs it)."""
    if period != current_period():
        return []
    rules = list(UsageRule.objects.filter(customer=customer, active=True).order_by("id"))
    reach = _candidates(rules, counters, pools)
    if not reach:
        return []
    fired = set(RuleFiring.objects.filter(rule_id__in=reach, period=period).values_list("rule_id", "line_id"))
    line_ids = {line_id for lines in reach.values() for line_id in lines}
    lines = {
        line.pk: line
        for line in Line.objects.filter(pk__in=line_ids, customer=customer, status__in=LIVE).select_related("customer")
    }
    firings: list[RuleFiring] = []
    for rule in rules:
        due = {
            line_id: value
            for line_id, value in reach.get(rule.pk, {}).items()
            if line_id in lines and (rule.pk, line_id) not in fired
        }
        if due:
            firings += _fire(rule, period, [lines[line_id] for line_id in due], due)
    return firings


def _fire(rule: UsageRule, period: dt.date, lines: list[Line], values: dict[int, Decimal]) -> list[RuleFiring]:
    """The rule's effect on these lines, and its firings (refused ones too)."""
    actor = rule_actor(rule)
    service = rule.service if rule.effect == Effect.BLOCK_SERVICE else _SERVICE_OF.get(Effect(rule.effect), "")
    outcome: dict[int, tuple[str, str]] = {}
    try:
        with transaction.atomic():  # a refusal undoes this rule's effect only
            if rule.effect in BLOCKING:
                lines_blocks_change(actor=actor, lines=lines, block=(service,), rule_id=rule.pk)
            elif rule.effect == Effect.SUSPEND:
                active = [line for line in lines if line.status == Line.Status.ACTIVE]
                outcome = {line.pk: (RuleFiring.Outcome.SKIPPED, "") for line in lines if line not in active}
                if active:
                    lines_suspend(actor=actor, lines=active, reason=str(rule))
            else:
                _notify(rule, period, lines, values)
    except ActionError as exc:
        outcome = {line.pk: (RuleFiring.Outcome.REFUSED, str(exc.message)[:200]) for line in lines}
    firings = RuleFiring.objects.bulk_create(
        [
            RuleFiring(
                rule=rule,
                line=line,
                customer_id=rule.customer_id,
                period=period,
                value=values[line.pk].quantize(Decimal("0.0001")),
                effect=rule.effect,
                service=service,
                outcome=outcome.get(line.pk, (RuleFiring.Outcome.DONE, ""))[0],
                detail=outcome.get(line.pk, ("", ""))[1],
                lift=rule.lift_next_period,
            )
            for line in lines
        ]
    )
    described = [
        (
            firing.line,
            {
                "rule": rule.pk,
                "period": period.isoformat(),
                "effect": rule.effect,
                "service": service,
                "value": str(firing.value),
                "outcome": firing.outcome,
            },
        )
        for firing in firings
    ]
    audit.record_many(
        actor=actor, action="rule.fired", customer=rule.customer, changes=((o, {}, d) for o, d in described)
    )
    RULE_FIRED.record_many(customer=rule.customer, items=described)
    return firings


def _notify(rule: UsageRule, period: dt.date, lines: list[Line], values: dict[int, Decimal]) -> None:
    customer = rule.customer
    unit = "EUR" if rule.metric == Metric.OUT_OF_BUNDLE_EUR else "%"
    listed = [{"number": display(line.msisdn), "value": f"{values[line.pk]:.2f} {unit}"} for line in lines]
    for recipient in managers_to_tell(customer):
        outbox.send_email(
            to=recipient.email,
            template="alerts/email/rule",
            context={
                "rule": rule.name,
                "customer": customer.name,
                "metric": Metric(rule.metric).label,  # lazy: in the recipient's language
                "threshold": rule.threshold,
                "effect": Effect(rule.effect).label,
                "period": period,
                "lines": listed,
                "link": settings.PORTAL_BASE_URL + reverse("alerts:detail", args=[rule.pk]),
            },
            language=recipient.language,
            customer=customer,
        )


# --- Lifting them at the next period ----------------------------------------------------------


def rule_firings_lift(*, now: dt.datetime | None = None) -> int:
    """Lift the blocks and suspensions that rules with "lift at the next period" set in earlier
    periods, each once: the rule's blocks only (a manager's stay), and a line still suspended is
    reactivated. Answers how many firings were lifted; a refused lift is tried again next run."""
    current = period_of(now or timezone.now())
    pending = (
        RuleFiring.objects.filter(
            lift=True, lifted_at__isnull=True, outcome=RuleFiring.Outcome.DONE, period__lt=current, effect__in=LIFTABLE
        )
        .select_related("rule__customer", "line")
        .order_by("rule_id", "id")
    )
    groups: dict[tuple[int, str, str], list[RuleFiring]] = defaultdict(list)
    for firing in pending:
        groups[(firing.rule_id, firing.effect, firing.service)].append(firing)
    lifted = 0
    for (_rule_id, effect, service), firings in groups.items():
        try:
            with transaction.atomic():
                _lift(firings[0].rule, effect, service, firings)
        except ActionError:
            continue  # e.g. a line changed meanwhile: next run
        lifted += len(firings)
    return lifted


def _lift(rule: UsageRule, effect: str, service: str, firings: list[RuleFiring]) -> None:
    actor = rule_actor(rule)
    lines = [f.line for f in firings]
    if effect == Effect.SUSPEND:
        suspended = [line for line in lines if line.status == Line.Status.SUSPENDED]
        if suspended:
            lines_reactivate(actor=actor, lines=suspended, reason=str(rule))
    else:
        live = [line for line in lines if line.status in LIVE]
        if live:
            lines_blocks_change(actor=actor, lines=live, unblock=(service,), rule_id=rule.pk)
    RuleFiring.objects.filter(pk__in=[f.pk for f in firings]).update(lifted_at=timezone.now())
    described = [(f.line, {"rule": rule.pk, "period": f.period.isoformat(), "effect": effect}) for f in firings]
    audit.record_many(
        actor=actor, action="rule.lifted", customer=rule.customer, changes=((o, {}, d) for o, d in described)
    )
    RULE_LIFTED.record_many(customer=rule.customer, items=described)
