"""Reads of rules, their firings and the alerts sent, scoped to the actor (DESIGN rule 2): the
customer's managers with the fleet right (keys with the fleet or read scope) see them; anyone
else sees none, and a foreign id is a 404. A member sees only the bundle alerts of their lines."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from fleetportal.bundles.models import GroupBundle
from fleetportal.core.actor import Actor
from fleetportal.core.phones import InvalidNumber, parse_mobile
from fleetportal.core.scope import scope
from fleetportal.fleet import selectors as fleet_selectors
from fleetportal.fleet.models import Line

from .models import BundleAlert, CostAlert, RuleFiring, UsageRule

RECENT = 100  # alerts listed on the recent alerts page


def rules_for(actor: Actor) -> QuerySet[UsageRule]:
    return scope(actor, UsageRule).select_related("line", "pool", "tag").order_by("name", "id")


def rule_for(actor: Actor, rule_id: Any) -> UsageRule:
    """One rule the actor may see, or 404 (a foreign or malformed id alike)."""
    try:
        rule = rules_for(actor).filter(pk=int(rule_id)).first()
    except (TypeError, ValueError):
        rule = None
    if rule is None:
        raise Http404
    return rule


def firings_of(actor: Actor, rule: UsageRule) -> QuerySet[RuleFiring]:
    return scope(actor, RuleFiring).filter(rule=rule).select_related("line").order_by("-period", "-created_at", "-id")


def bundle_alerts_for(actor: Actor) -> QuerySet[BundleAlert]:
    return scope(actor, BundleAlert).select_related("line").filter(message__isnull=False)


def cost_alerts_for(actor: Actor) -> QuerySet[CostAlert]:
    return scope(actor, CostAlert).select_related("line", "pool")


def line_by_number(actor: Actor, text: str) -> Line | None:
    """The actor's live line with this number (any writing of it), or None."""
    try:
        number = parse_mobile(text)
    except InvalidNumber:
        return None
    return fleet_selectors.lines_for(actor).filter(msisdn=number).exclude(status=Line.Status.STOPPED).first()


def rule_targets(actor: Actor) -> tuple[QuerySet[GroupBundle], QuerySet[Any]]:
    """The live pools and the tags a rule of the actor's customer may target."""
    pools = scope(actor, GroupBundle).filter(customer=actor.tenant, ended_at__isnull=True).order_by("name", "id")
    return pools, fleet_selectors.tags_for(actor).filter(customer=actor.tenant)
