"""Reads of group bundles, scoped to the actor (DESIGN rule 2): managers with the fleet or
billing right see every pool of their customer; a member sees only the pools their own line
is in, and of the members only their own line (policy.py); another customer's pool is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from fleetportal.catalog.models import ContractGroupBundle
from fleetportal.catalog.selectors import contracts_for
from fleetportal.core.actor import Actor
from fleetportal.core.scope import scope
from fleetportal.fleet import selectors as fleet_selectors
from fleetportal.fleet.actions.common import may_manage
from fleetportal.fleet.models import Line

from .models import GroupBundle, GroupBundleMember

LIVE_MEMBERS = Q(members__left_at__isnull=True)


def pools_for(actor: Actor) -> QuerySet[GroupBundle]:
    """The actor's pools, live ones first, each with `member_count` (its live members)."""
    pools = scope(actor, GroupBundle).filter(pk__in=scope(actor, GroupBundle).values("pk"))  # one row per pool
    return (
        pools.select_related("offer__offer", "contract")
        .annotate(member_count=Count("members", filter=LIVE_MEMBERS))
        .order_by(F("ended_at").asc(nulls_first=True), "name", "id")
    )


def pool_for(actor: Actor, pool_id: Any) -> GroupBundle:
    """One pool the actor may see, or 404 (a foreign or malformed id alike)."""
    try:
        pool = pools_for(actor).filter(pk=int(pool_id)).first()
    except (TypeError, ValueError):
        pool = None
    if pool is None:
        raise Http404
    return pool


def members_of(actor: Actor, pool: GroupBundle, *, history: bool = False) -> QuerySet[GroupBundleMember]:
    """The pool's members the actor may see: the live ones, or with `history` every membership
    (joined and left), newest first."""
    rows = scope(actor, GroupBundleMember).filter(pool=pool).select_related("line__plan")
    if history:
        return rows.order_by("-joined_at", "-id")
    return rows.filter(left_at__isnull=True).order_by("line__msisdn")


def offers_for(actor: Actor) -> QuerySet[ContractGroupBundle]:
    """The group-bundle offers of the actor's own customer's contracts, to order a pool from."""
    contracts = contracts_for(actor).filter(customer=actor.tenant)
    return (
        ContractGroupBundle.objects.filter(contract__in=contracts)
        .select_related("offer", "contract")
        .order_by("contract__number", "monthly_price", "offer__name")
    )


def may_change(actor: Actor, pool: GroupBundle) -> bool:
    """Whether the actor may order, change and fill this customer's pools (the fleet right)."""
    return may_manage(actor, pool.customer_id) and pool.ended_at is None


def lines_by_numbers(actor: Actor, numbers: list[str]) -> dict[str, Line]:
    """The actor's lines by E.164 number (a live line before a stopped one of the same number);
    a number not found is missing from the answer."""
    found: dict[str, Line] = {}
    for line in fleet_selectors.lines_for(actor).filter(msisdn__in=numbers).select_related(None):
        if line.msisdn not in found or found[line.msisdn].status == Line.Status.STOPPED:
            found[line.msisdn] = line
    return found


def pools_of_lines(lines: QuerySet[Line], *, except_pool: GroupBundle) -> QuerySet[GroupBundleMember]:
    """The live memberships of these lines in pools other than `except_pool`: the lines that
    would move if added to it."""
    return (
        GroupBundleMember.objects.filter(line__in=lines.values("pk"), left_at__isnull=True)
        .exclude(pool=except_pool)
        .select_related("line", "pool")
        .order_by("line__msisdn")
    )
