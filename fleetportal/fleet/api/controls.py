"""A line's controls over the API (F-40..F-43): its blocks (one line, or many by ids or numbers,
all or none), its PayByMobile limit, out-of-bundle notification amount and bundle alerts.
The same actions as the pages, so the same rules, audit and errors.

Amounts are strings with two decimals ("25.50") both ways: a JSON number could round them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from fleetportal.core.actor import Actor
from fleetportal.core.api import api_actor
from fleetportal.core.errors import ActionError
from fleetportal.core.http import PortalRequest
from fleetportal.core.phones import InvalidNumber, parse_mobile

from .. import actions, selectors
from ..actions.controls import LIMIT_FIELDS, clean_amount, clean_blocks_change, current_blocks
from ..bulk_jobs import runs_as_job
from ..models import BulkJob, Line, Service
from . import lookups
from .jobs import JobOut, queued
from .schemas import MAX_BULK, RESPONSES, TYPED_MSISDN, Id, In, LineStateOut, Versions, amount_text
from .scopes import READ, WRITE

router = Router(tags=["fleet"])

ServiceCode = Annotated[str, Field(max_length=20, description=f"One of {', '.join(Service.values)}.")]
Services = Annotated[list[ServiceCode], Field(default_factory=list, max_length=len(Service.values) * 2)]
PayByMobile = Literal["unlimited", "capped", "blocked"]


# --- output ---------------------------------------------------------------------------------------


class BlockOut(Schema):
    service: str
    label: str
    rule_id: int | None = Field(description="The usage rule that set it (lifted at its next period); null: a manager.")


class BlocksOut(Schema):
    line: LineStateOut
    blocks: list[BlockOut]

    @staticmethod
    def of(line: Line) -> BlocksOut:
        rules = current_blocks([line.pk]).get(line.pk, {})
        labels = dict(Service.choices)
        return BlocksOut(
            line=LineStateOut.of(line),
            blocks=[
                BlockOut(service=service, label=str(labels[service]), rule_id=rules[service])
                for service in Service.values
                if service in rules
            ],
        )


class BulkBlocksOut(Schema):
    changed: int = Field(description="How many lines changed; the others already were as asked.")
    lines: list[LineStateOut]


class LimitsOut(Schema):
    line: LineStateOut
    paybymobile: PayByMobile
    paybymobile_cap: str | None = Field(description="Monthly PayByMobile limit in EUR, with 'capped'.")
    out_of_bundle_notify_at: str | None = Field(
        description="The managers are told when the period's out-of-bundle cost reaches it (EUR); never blocks."
    )
    bundle_alerts: bool = Field(description="The user's SMS at 75, 90 and 100 % of each bundle.")

    @staticmethod
    def of(line: Line) -> LimitsOut:
        return LimitsOut(
            line=LineStateOut.of(line),
            paybymobile=line.paybymobile,  # type: ignore[arg-type]
            paybymobile_cap=amount_text(line.paybymobile_cap),
            out_of_bundle_notify_at=amount_text(line.out_of_bundle_notify_at),
            bundle_alerts=line.bundle_alerts,
        )


# --- input ----------------------------------------------------------------------------------------


class BlocksIn(In):
    blocks: Services = Field(description="Every service the line is to have blocked; the others are lifted.")
    version: int | None = None


class BulkBlocksIn(In):
    line_ids: list[Id] = Field(default_factory=list, max_length=MAX_BULK)
    numbers: list[Annotated[str, Field(max_length=TYPED_MSISDN)]] = Field(
        default_factory=list, max_length=MAX_BULK, description="Numbers of live lines, as 0470… or +32470…."
    )
    block: Services
    unblock: Services
    versions: Versions


class LimitsPatch(In):
    """Only the fields sent change."""

    paybymobile: PayByMobile | None = None
    paybymobile_cap: str | None = Field(None, description="EUR, e.g. \"25.50\"; required with 'capped'.")
    out_of_bundle_notify_at: str | None = Field(None, description="EUR; null: no notification.")
    bundle_alerts: bool | None = None
    version: int | None = None

    @field_validator("paybymobile_cap", "out_of_bundle_notify_at", mode="before")
    @classmethod
    def _amount(cls, value: Any, info: Any) -> Any:
        """The action's amount rule, so a bad amount is a 422 on its field with the page's message."""
        try:
            amount = clean_amount(value, field=info.field_name)
        except ActionError as exc:
            raise ValueError(str(exc.message)) from exc
        return amount_text(amount)


# --- endpoints --------------------------------------------------------------------------------------


def _lines_named(actor: Actor, payload: BulkBlocksIn) -> list[Line]:
    """The lines of the ids and of the live lines of the numbers, in that order, each once."""
    if not payload.line_ids and not payload.numbers:
        raise ActionError(_("Give line_ids or numbers."), field="line_ids")
    lines = selectors.lines_by_ids(actor, payload.line_ids) if payload.line_ids else []
    if payload.numbers:
        try:
            numbers = [parse_mobile(text) for text in payload.numbers]
        except InvalidNumber as exc:
            raise ActionError(exc.message, field="numbers") from exc
        live = {
            line.msisdn: line
            for line in selectors.lines_for(actor).filter(msisdn__in=numbers).exclude(status=Line.Status.STOPPED)
        }
        for number in numbers:
            if number not in live:
                raise ActionError(
                    _("No live line of yours has the number %(number)s.") % {"number": number}, field="numbers"
                )
        lines += [live[number] for number in numbers]
    return list({line.pk: line for line in lines}.values())


@router.get(
    "/lines/{int:line_id}/blocks",
    response={200: BlocksOut, **RESPONSES},
    operation_id="line_blocks_get",
    summary="Get a line's blocks",
)
def line_blocks_get(request: PortalRequest, line_id: int) -> BlocksOut:
    """The services blocked on the line, and which a usage rule set (F-40). Scope `read` or `fleet`."""
    return BlocksOut.of(selectors.line_for(api_actor(request, *READ), line_id))


@router.put(
    "/lines/{int:line_id}/blocks",
    response={200: BlocksOut, **RESPONSES},
    operation_id="line_blocks_set",
    summary="Set a line's blocks",
)
def line_blocks_set(request: PortalRequest, line_id: int, payload: BlocksIn) -> BlocksOut:
    """The line's blocks become exactly `blocks`; each change goes to the network (F-40). A stopped
    line is refused. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    line = selectors.line_for(actor, line_id)
    actions.line_blocks_set(actor=actor, line=line, services=payload.blocks, version=payload.version)
    return BlocksOut.of(selectors.line_for(actor, line_id))


@router.post(
    "/lines/blocks",
    response={200: BulkBlocksOut, 202: JobOut, **RESPONSES},
    operation_id="lines_blocks_change",
    summary="Block or unblock services on lines",
)
def lines_blocks_change(request: PortalRequest, payload: BulkBlocksIn) -> BulkBlocksOut | Status[JobOut]:
    """Block and unblock services on lines named by id or number, all or none: a stopped line,
    an unknown service or a line changed since `versions` refuses the whole change (F-40, R2).
    Above the threshold: 202 and a job (F-32). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    lines = _lines_named(actor, payload)
    versions = lookups.versions(payload.versions)
    if runs_as_job(len(lines)):
        block, unblock = clean_blocks_change(payload.block, payload.unblock)  # a bad choice: 4xx now
        params = {"block": block, "unblock": unblock}
        return queued(actor, kind=BulkJob.Kind.BLOCKS, lines=lines, params=params, versions=versions)
    changed = actions.lines_blocks_change(
        actor=actor, lines=lines, block=payload.block, unblock=payload.unblock, versions=versions
    )
    fresh = {line.pk: line for line in Line.objects.filter(pk__in=[line.pk for line in lines])}
    return BulkBlocksOut(changed=changed, lines=[LineStateOut.of(fresh[line.pk]) for line in lines])


@router.get(
    "/lines/{int:line_id}/limits",
    response={200: LimitsOut, **RESPONSES},
    operation_id="line_limits_get",
    summary="Get a line's limits",
)
def line_limits_get(request: PortalRequest, line_id: int) -> LimitsOut:
    """PayByMobile limit (F-41), out-of-bundle notification amount (F-42), bundle alerts (F-43).
    Scope `read` or `fleet`."""
    return LimitsOut.of(selectors.line_for(api_actor(request, *READ), line_id))


@router.patch(
    "/lines/{int:line_id}/limits",
    response={200: LimitsOut, **RESPONSES},
    operation_id="line_limits_update",
    summary="Change a line's limits",
)
def line_limits_update(request: PortalRequest, line_id: int, payload: LimitsPatch) -> LimitsOut:
    """Change the fields sent. Scope `fleet`; a logged-in user may switch `bundle_alerts` of
    their own line alone."""
    sent = payload.model_fields_set - {"version"}
    only_alerts = sent == {"bundle_alerts"}
    actor = request.actor if only_alerts else api_actor(request, *WRITE)
    line = selectors.line_for(actor, line_id)
    limits = sent & set(LIMIT_FIELDS)
    with transaction.atomic():  # the limits and the alerts switch, both or neither
        if limits:
            values: dict[str, Any] = {name: getattr(line, name) for name in LIMIT_FIELDS}
            values.update({name: getattr(payload, name) for name in limits})
            line = actions.line_limits_change(actor=actor, line=line, version=payload.version, **values)
        if "bundle_alerts" in sent:
            if payload.bundle_alerts is None:
                raise ActionError(_("Enter true or false."), field="bundle_alerts")
            line = actions.line_bundle_alerts_set(actor=actor, line=line, enabled=payload.bundle_alerts)
    return LimitsOut.of(selectors.line_for(actor, line_id))
