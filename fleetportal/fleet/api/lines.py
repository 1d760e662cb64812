"""One line at a time: the SIM overview, a line, adding one (F-21), SIM swap (F-24), the eSIM
activation e-mail (F-23), stop (F-26) and the user's details (F-27)."""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Query, Router, Status

from fleetportal.core.actor import Actor
from fleetportal.core.api import ErrorOut, api_actor
from fleetportal.core.http import PortalRequest

from .. import actions, selectors
from ..models import Line
from . import lookups
from .schemas import (
    RESPONSES,
    DetailsPatch,
    EsimResendIn,
    EsimResendOut,
    LineDetailOut,
    LineFilters,
    LineIn,
    LineOut,
    LinePage,
    NewNumberIn,
    StopIn,
    SwapIn,
)
from .scopes import READ, WRITE

router = Router(tags=["fleet"])


def _detail(actor: Actor, line_id: int) -> LineDetailOut:
    return LineDetailOut.of(selectors.line_for(actor, line_id))


@router.get("/lines", response={200: LinePage, **RESPONSES}, operation_id="lines_list", summary="List lines")
def lines_list(request: PortalRequest, filters: Query[LineFilters]) -> LinePage:
    """The SIM overview: searched, filtered, sorted and paged. Scope `read` or `fleet`."""
    actor = api_actor(request, *READ)
    lines: QuerySet[Line] = selectors.lines_for(actor, **lookups.line_criteria(actor, filters))
    return LinePage.of(lines, filters, LineOut.of)


@router.get(
    "/lines/{int:line_id}", response={200: LineDetailOut, **RESPONSES}, operation_id="line_get", summary="Get a line"
)
def line_get(request: PortalRequest, line_id: int) -> LineDetailOut:
    """One line with its user details and address. Scope `read` or `fleet`."""
    return _detail(api_actor(request, *READ), line_id)


@router.post("/lines", response={201: LineDetailOut, **RESPONSES}, operation_id="line_add", summary="Add a line")
def line_add(request: PortalRequest, payload: LineIn) -> Status[LineDetailOut]:
    """A new PENDING line on a blank SIM card, with a new number or a port-in (F-21). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    choice = payload.number
    number: actions.NewNumber | actions.PortIn = (
        actions.NewNumber(msisdn=choice.msisdn)
        if isinstance(choice, NewNumberIn)
        else actions.PortIn(
            msisdn=choice.msisdn,
            donor_operator=choice.donor_operator,
            donor_account=choice.donor_account,
            donor_sim=choice.donor_sim,
        )
    )
    # The billing account's contract is the line's: its plan and options are that contract's.
    account = lookups.billing_account(actor, payload.billing_account)
    line = actions.line_add(
        actor=actor,
        iccid=payload.iccid,
        details=actions.LineDetails(**(payload.details.model_dump() if payload.details else {})),
        plan=lookups.plan(actor, payload.plan, contract=account.contract),
        options=lookups.options(actor, payload.options, field="options", contract=account.contract),
        billing_account=account,
        split_bill_profile=lookups.split_bill_profile(actor, payload.split_bill_profile),
        number_choice=number,
    )
    return Status(201, _detail(actor, line.pk))


@router.post(
    "/lines/{int:line_id}/swap", response={200: LineDetailOut, **RESPONSES}, operation_id="line_swap", summary="Swap"
)
def line_swap(request: PortalRequest, line_id: int, payload: SwapIn) -> LineDetailOut:
    """Replace the line's SIM card by a blank one, physical or eSIM (F-24). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    line = selectors.line_for(actor, line_id)
    actions.sim_swap(actor=actor, line=line, new_iccid=payload.new_iccid, version=payload.version)
    return _detail(actor, line_id)


@router.post(
    "/lines/{int:line_id}/esim/resend",
    response={200: EsimResendOut, 429: ErrorOut, **RESPONSES},
    operation_id="line_esim_resend",
    summary="Resend eSIM activation e-mail",
)
def line_esim_resend(
    request: PortalRequest, line_id: int, payload: EsimResendIn
) -> Status[EsimResendOut] | Status[ErrorOut]:
    """Send the eSIM's activation e-mail (LPA code, QR code, PIN, PUK) again, at most
    3 times an hour per line; a physical SIM or a stopped line is refused (F-23). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    line = selectors.line_for(actor, line_id)
    try:
        message = actions.esim_resend_activation(actor=actor, line=line, email=payload.email)
    except actions.TooManyResends as exc:
        return Status(429, ErrorOut(detail=str(exc.message), code=exc.code))
    return Status(200, EsimResendOut(recipient=message.recipient))


@router.post(
    "/lines/{int:line_id}/stop", response={200: LineDetailOut, **RESPONSES}, operation_id="line_stop", summary="Stop"
)
def line_stop(request: PortalRequest, line_id: int, payload: StopIn) -> LineDetailOut:
    """End the line today or on a date, or hand the number over to its user (F-26). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    line = selectors.line_for(actor, line_id)
    actions.line_stop(
        actor=actor,
        line=line,
        on=payload.date,
        transfer_to_private=payload.transfer_to_private,
        version=payload.version,
    )
    return _detail(actor, line_id)


@router.patch(
    "/lines/{int:line_id}/details",
    response={200: LineDetailOut, **RESPONSES},
    operation_id="line_details_update",
    summary="Change user details",
)
def line_details_update(request: PortalRequest, line_id: int, payload: DetailsPatch) -> LineDetailOut:
    """Change user details and address; refused once the user confirmed them (R-F1). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    line = selectors.line_for(actor, line_id)
    actions.line_update_details(actor=actor, line=line, version=payload.version, **payload.changes())
    return _detail(actor, line_id)


@router.post(
    "/lines/{int:line_id}/confirm-details",
    response={200: LineDetailOut, **RESPONSES},
    operation_id="line_details_confirm",
    summary="Confirm my details",
)
def line_details_confirm(request: PortalRequest, line_id: int, payload: DetailsPatch) -> LineDetailOut:
    """The line's own user (logged-in session) corrects and confirms their details (R-F1)."""
    actor = request.actor
    line = selectors.line_for(actor, line_id)
    actions.line_confirm_details(actor=actor, line=line, version=payload.version, **payload.changes())
    return _detail(actor, line_id)
