"""The group bundles API (F-50, F-51, F-91): list, get, order, change and end pools, list,
add and remove their member lines. Same actions, same audit, same errors as the pages: a field
the action refuses answers 422 naming it, as a body that does not validate. Scope `read` or
`fleet` to read, `fleet` to change.

What a body names is looked up among the caller's own only: an offer its contracts retained, a
line it sees; anything else is refused on its field (`offer`, `contract`, `lines`), the same
answer whether it exists elsewhere or not. A line of another contract is the action's refusal
on `lines`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator

from fleetportal.accounts.models import ApiKey
from fleetportal.catalog.models import ContractGroupBundle
from fleetportal.core.actor import Actor
from fleetportal.core.api import ERROR_RESPONSES, Page, PageQuery, api_actor, refused_fields_as_invalid
from fleetportal.core.errors import ActionError
from fleetportal.core.http import PortalRequest
from fleetportal.fleet import selectors as fleet_selectors
from fleetportal.fleet.models import Line

from . import actions, selectors
from .models import GroupBundle, GroupBundleMember

router = Router(tags=["group bundles"])

READ = (ApiKey.Scope.READ, ApiKey.Scope.FLEET)
WRITE = (ApiKey.Scope.FLEET,)
RESPONSES = {**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]}
MAX_LINES = 10_000
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _number_as_text(value: object) -> object:
    return str(value) if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else value


# EUR as a JSON number or text ("12.50"); checked by the action (its message names the field),
# so a page and the API refuse alike.
Amount = Annotated[str, BeforeValidator(_number_as_text)]


class PoolOut(Schema):
    id: int
    name: str
    contract: str
    offer: str  # the offer's code
    offer_name: str
    data_mb: int | None  # per month; null: unlimited
    voice_minutes: int | None
    sms: int | None
    monthly_price: Decimal
    out_of_bundle_notify_at: Decimal | None
    members: int  # live member lines
    started_at: dt.datetime
    ended_at: dt.datetime | None
    version: int

    @staticmethod
    def of(pool: GroupBundle) -> PoolOut:
        offer = pool.offer.offer
        return PoolOut(
            id=pool.pk,
            name=pool.name,
            contract=pool.contract.number,
            offer=offer.code,
            offer_name=offer.name,
            data_mb=offer.data_mb,
            voice_minutes=offer.voice_minutes,
            sms=offer.sms,
            monthly_price=pool.offer.monthly_price,
            out_of_bundle_notify_at=pool.out_of_bundle_notify_at,
            members=getattr(pool, "member_count", 0),
            started_at=pool.started_at,
            ended_at=pool.ended_at,
            version=pool.version,
        )


class PoolPage(Page[PoolOut]):
    pass


class MemberOut(Schema):
    line_id: int
    msisdn: str
    joined_at: dt.datetime
    left_at: dt.datetime | None

    @staticmethod
    def of(member: GroupBundleMember) -> MemberOut:
        return MemberOut(
            line_id=member.line_id, msisdn=member.line.msisdn, joined_at=member.joined_at, left_at=member.left_at
        )


class MemberPage(Page[MemberOut]):
    pass


class MemberQuery(PageQuery):
    history: bool = False  # every membership, also those that ended, newest first


class PoolIn(Schema):
    offer: str = Field(max_length=40, description="The code of one of your contract's group bundles")
    contract: str | None = Field(None, max_length=40, description="Needed when several contracts have the offer")
    name: str = Field(max_length=200)
    out_of_bundle_notify_at: Amount | None = None


class PoolPatch(Schema):
    version: int
    offer: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=200)
    out_of_bundle_notify_at: Amount | None = None  # null: no notification; left out: as it is


class EndIn(Schema):
    version: int | None = None


class LinesIn(Schema):
    line_ids: list[Id] = Field(min_length=1, max_length=MAX_LINES)


class MembersChangeOut(Schema):
    pool: PoolOut
    lines: list[int]  # the lines that joined (or left)
    moved_from: dict[int, int]  # line id → the pool it left
    unchanged: list[int]  # already members


def _offer(actor: Actor, code: str, contract: str | None) -> ContractGroupBundle:
    if "\x00" in code or "\x00" in (contract or ""):  # no code has one, and PostgreSQL refuses it in a query
        raise ActionError(_("Choose a group bundle of your contract."), field="offer")
    offers = selectors.offers_for(actor).filter(offer__code=code)
    if contract is not None:
        offers = offers.filter(contract__number=contract)
    found = list(offers[:2])
    if not found:
        raise ActionError(_("Choose a group bundle of your contract."), field="offer")
    if len(found) > 1:
        raise ActionError(_("Several of your contracts have this group bundle: name the contract."), field="contract")
    return found[0]


def _lines(actor: Actor, ids: Sequence[int]) -> list[Line]:
    found = {line.pk: line for line in fleet_selectors.lines_for(actor).filter(pk__in=ids).select_related(None)}
    for pk in ids:
        if pk not in found:
            raise ActionError(_("Line %(id)s is not one of your lines.") % {"id": pk}, field="lines")
    return [found[pk] for pk in dict.fromkeys(ids)]


def _pool(actor: Actor, pool_id: int) -> PoolOut:
    return PoolOut.of(selectors.pool_for(actor, pool_id))


def _change_out(actor: Actor, change: actions.MembersChange) -> MembersChangeOut:
    return MembersChangeOut(
        pool=_pool(actor, change.pool.pk),
        lines=[line.pk for line in change.lines],
        moved_from={line_id: pool.pk for line_id, pool in change.moved_from.items()},
        unchanged=[line.pk for line in change.unchanged],
    )


@router.get("/group-bundles", response={200: PoolPage, **RESPONSES}, operation_id="pools_list", summary="List pools")
def pools_list(request: PortalRequest, query: Query[PageQuery]) -> PoolPage:
    """Your group bundles, live ones first, each with its count of member lines."""
    return PoolPage.of(selectors.pools_for(api_actor(request, *READ)), query, PoolOut.of)


@router.get(
    "/group-bundles/{int:pool_id}", response={200: PoolOut, **RESPONSES}, operation_id="pool_get", summary="Get a pool"
)
def pool_get(request: PortalRequest, pool_id: int) -> PoolOut:
    return _pool(api_actor(request, *READ), pool_id)


@router.post("/group-bundles", response={201: PoolOut, **RESPONSES}, operation_id="pool_order", summary="Order a pool")
def pool_order(request: PortalRequest, payload: PoolIn) -> Status[PoolOut]:
    """Order a pool from one of your contract's group bundles (F-50); add its lines next."""
    actor = api_actor(request, *WRITE)
    with refused_fields_as_invalid():
        offer = _offer(actor, payload.offer, payload.contract)
        pool = actions.pool_order(
            actor=actor,
            contract=offer.contract,
            offer=offer,
            name=payload.name,
            out_of_bundle_notify_at=payload.out_of_bundle_notify_at,
        )
    return Status(201, _pool(actor, pool.pk))


@router.patch(
    "/group-bundles/{int:pool_id}", response={200: PoolOut, **RESPONSES}, operation_id="pool_change", summary="Change"
)
def pool_change(request: PortalRequest, pool_id: int, payload: PoolPatch) -> PoolOut:
    """Another offer of the pool's contract, another name, the notification amount; the fields
    left out stay as they are. `version` as read (R2)."""
    actor = api_actor(request, *WRITE)
    pool = selectors.pool_for(actor, pool_id)
    with refused_fields_as_invalid():
        offer = pool.offer if payload.offer is None else _offer(actor, payload.offer, pool.contract.number)
        sent = payload.model_fields_set
        notify = payload.out_of_bundle_notify_at if "out_of_bundle_notify_at" in sent else pool.out_of_bundle_notify_at
        actions.pool_change(
            actor=actor,
            pool=pool,
            offer=offer,
            name=pool.name if payload.name is None else payload.name,
            out_of_bundle_notify_at=notify,
            version=payload.version,
        )
    return _pool(actor, pool_id)


@router.post(
    "/group-bundles/{int:pool_id}/end", response={200: PoolOut, **RESPONSES}, operation_id="pool_end", summary="End"
)
def pool_end(request: PortalRequest, pool_id: int, payload: EndIn) -> PoolOut:
    """End the pool now; its member lines leave it."""
    actor = api_actor(request, *WRITE)
    pool = selectors.pool_for(actor, pool_id)
    with refused_fields_as_invalid():
        actions.pool_end(actor=actor, pool=pool, version=payload.version)
    return _pool(actor, pool_id)


@router.get(
    "/group-bundles/{int:pool_id}/members",
    response={200: MemberPage, **RESPONSES},
    operation_id="pool_members_list",
    summary="List members",
)
def pool_members_list(request: PortalRequest, pool_id: int, query: Query[MemberQuery]) -> MemberPage:
    """The pool's member lines; with `history`, every membership with when it started and ended."""
    actor = api_actor(request, *READ)
    pool = selectors.pool_for(actor, pool_id)
    return MemberPage.of(selectors.members_of(actor, pool, history=query.history), query, MemberOut.of)


@router.post(
    "/group-bundles/{int:pool_id}/members",
    response={200: MembersChangeOut, **RESPONSES},
    operation_id="pool_members_add",
    summary="Add members",
)
def pool_members_add(request: PortalRequest, pool_id: int, payload: LinesIn) -> MembersChangeOut:
    """Add lines of the pool's contract, all or none; a line in another pool moves to this one."""
    actor = api_actor(request, *WRITE)
    pool = selectors.pool_for(actor, pool_id)
    with refused_fields_as_invalid():
        change = actions.pool_members_add(actor=actor, pool=pool, lines=_lines(actor, payload.line_ids))
    return _change_out(actor, change)


@router.post(
    "/group-bundles/{int:pool_id}/members/remove",
    response={200: MembersChangeOut, **RESPONSES},
    operation_id="pool_members_remove",
    summary="Remove members",
)
def pool_members_remove(request: PortalRequest, pool_id: int, payload: LinesIn) -> MembersChangeOut:
    """Take lines out of the pool, all or none; their own bundles apply again."""
    actor = api_actor(request, *WRITE)
    pool = selectors.pool_for(actor, pool_id)
    with refused_fields_as_invalid():
        change = actions.pool_members_remove(actor=actor, pool=pool, lines=_lines(actor, payload.line_ids))
    return _change_out(actor, change)
