"""The usage rules API (issue 7, F-91): list, get, create, replace and delete rules, list a
rule's firings. Same actions, same audit, same errors as the pages. Scope `read` or `fleet` to
read, `fleet` to change.

A refused rule answers 422 `{"detail", "field", "code"}` naming the field, as a body that does
not validate does (a threshold below 0, a % above 1000, a target that is not one of the
caller's): the line, pool or tag a body names is looked up among the caller's own only, so
another customer's is refused on its field, the same answer whether it exists or not.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status

from fleetportal.accounts.models import ApiKey
from fleetportal.core.actor import Actor
from fleetportal.core.api import ERROR_RESPONSES, Page, PageQuery, api_actor, refused_fields_as_invalid
from fleetportal.core.http import PortalRequest
from fleetportal.fleet import selectors as fleet_selectors

from . import actions_rules, selectors
from .models import RuleFiring, UsageRule

router = Router(tags=["usage rules"])

READ = (ApiKey.Scope.READ, ApiKey.Scope.FLEET)
WRITE = (ApiKey.Scope.FLEET,)
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class RuleIn(Schema):
    name: str = Field(max_length=100)
    target: UsageRule.Target = UsageRule.Target.COMPANY
    line: Id | None = Field(None, description="The line's id, for target `line`")
    pool: Id | None = Field(None, description="The group bundle's id, for target `pool`")
    tag: Id | None = Field(None, description="The tag's id, for target `tag`")
    metric: UsageRule.Metric
    # % of the bundle (0–1000) or EUR; checked by the action so the page and the API refuse alike.
    threshold: Decimal | str
    effect: UsageRule.Effect
    service: str = Field("", max_length=20, description="The traffic type, for effect `block_service`")
    lift_next_period: bool = False
    active: bool = True


class RuleOut(Schema):
    id: int
    name: str
    target: str
    line: int | None
    line_msisdn: str | None
    pool: int | None
    tag: int | None
    metric: str
    threshold: Decimal
    effect: str
    service: str
    lift_next_period: bool
    active: bool
    created_at: dt.datetime

    @staticmethod
    def of(rule: UsageRule) -> RuleOut:
        return RuleOut(
            id=rule.pk,
            name=rule.name,
            target=rule.target,
            line=rule.line_id,
            line_msisdn=rule.line.msisdn if rule.line else None,
            pool=rule.pool_id,
            tag=rule.tag_id,
            metric=rule.metric,
            threshold=rule.threshold,
            effect=rule.effect,
            service=rule.service,
            lift_next_period=rule.lift_next_period,
            active=rule.active,
            created_at=rule.created_at,
        )


class RulePage(Page[RuleOut]):
    pass


class FiringOut(Schema):
    id: int
    line: int
    msisdn: str
    period: dt.date
    value: Decimal
    effect: str
    service: str
    outcome: str  # done, skipped (e.g. the line was not active to suspend) or refused (`detail`)
    detail: str
    lifted_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def of(firing: RuleFiring) -> FiringOut:
        return FiringOut(
            id=firing.pk,
            line=firing.line_id,
            msisdn=firing.line.msisdn,
            period=firing.period,
            value=firing.value,
            effect=firing.effect,
            service=firing.service,
            outcome=firing.outcome,
            detail=firing.detail,
            lifted_at=firing.lifted_at,
            created_at=firing.created_at,
        )


class FiringPage(Page[FiringOut]):
    pass


def _input(actor: Actor, payload: RuleIn) -> actions_rules.RuleInput:
    """The body with its ids looked up among the caller's own (None: refused by the action)."""
    pools, tags = selectors.rule_targets(actor)
    line = fleet_selectors.lines_for(actor).filter(pk=payload.line).first() if payload.line else None
    return actions_rules.RuleInput(
        name=payload.name,
        target=payload.target,
        metric=payload.metric,
        threshold=payload.threshold,
        effect=payload.effect,
        line=line,
        pool=pools.filter(pk=payload.pool).first() if payload.pool else None,
        tag=tags.filter(pk=payload.tag).first() if payload.tag else None,
        service=payload.service,
        lift_next_period=payload.lift_next_period,
        active=payload.active,
    )


@router.get("/rules", response={200: RulePage, **ERROR_RESPONSES}, operation_id="rules_list", summary="List rules")
def rules_list(request: PortalRequest, query: Query[PageQuery]) -> RulePage:
    """Your usage rules, by name."""
    return RulePage.of(selectors.rules_for(api_actor(request, *READ)), query, RuleOut.of)


@router.get(
    "/rules/{int:rule_id}", response={200: RuleOut, **ERROR_RESPONSES}, operation_id="rule_get", summary="Get a rule"
)
def rule_get(request: PortalRequest, rule_id: int) -> RuleOut:
    return RuleOut.of(selectors.rule_for(api_actor(request, *READ), rule_id))


@router.post("/rules", response={201: RuleOut, **ERROR_RESPONSES}, operation_id="rule_create", summary="Create")
def rule_create(request: PortalRequest, payload: RuleIn) -> Status[RuleOut]:
    """A rule for your lines: when `metric` reaches `threshold`, `effect`, once per line and month."""
    actor = api_actor(request, *WRITE)
    with refused_fields_as_invalid():
        rule = actions_rules.rule_create(actor=actor, customer=actor.tenant, data=_input(actor, payload))
    return Status(201, RuleOut.of(selectors.rule_for(actor, rule.pk)))


@router.put(
    "/rules/{int:rule_id}", response={200: RuleOut, **ERROR_RESPONSES}, operation_id="rule_replace", summary="Replace"
)
def rule_replace(request: PortalRequest, rule_id: int, payload: RuleIn) -> RuleOut:
    """The rule becomes what the body says; what it did this month stays done."""
    actor = api_actor(request, *WRITE)
    rule = selectors.rule_for(actor, rule_id)
    with refused_fields_as_invalid():
        actions_rules.rule_change(actor=actor, rule=rule, data=_input(actor, payload))
    return RuleOut.of(selectors.rule_for(actor, rule_id))


@router.delete(
    "/rules/{int:rule_id}", response={204: None, **ERROR_RESPONSES}, operation_id="rule_delete", summary="Delete"
)
def rule_delete(request: PortalRequest, rule_id: int) -> Status[None]:
    """Delete the rule and its history; the blocks it set stay on the lines until lifted there."""
    actor = api_actor(request, *WRITE)
    actions_rules.rule_delete(actor=actor, rule=selectors.rule_for(actor, rule_id))
    return Status(204, None)


@router.get(
    "/rules/{int:rule_id}/firings",
    response={200: FiringPage, **ERROR_RESPONSES},
    operation_id="rule_firings_list",
    summary="List what a rule did",
)
def rule_firings_list(request: PortalRequest, rule_id: int, query: Query[PageQuery]) -> FiringPage:
    """Each line the rule applied to, per month, newest first, and whether it was lifted."""
    actor = api_actor(request, *READ)
    return FiringPage.of(selectors.firings_of(actor, selectors.rule_for(actor, rule_id)), query, FiringOut.of)
