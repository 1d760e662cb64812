"""The fleet over the API (F-91): lines, SIM stock, the number pool, bulk changes and planned
changes, through the same selectors and actions as the pages (DESIGN rule 3).

The customer is always the key's (or the session's); a line, change or card of another customer
answers 404, and objects named in a body (plan, options, billing account…) are looked up among
the caller's own only (QUALITY S1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from fleetportal.accounts.models import ApiKey
from fleetportal.billing.models import SplitBillProfile
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.api import ERROR_RESPONSES, ErrorOut, api_actor
from fleetportal.core.errors import ActionError
from fleetportal.core.http import PortalRequest
from fleetportal.core.models import BillingAccount

from . import actions, selectors
from .models import Line, ScheduledChange, SimCard, Tag

router = Router(tags=["fleet"])

READ = (ApiKey.Scope.READ, ApiKey.Scope.FLEET)
WRITE = (ApiKey.Scope.FLEET,)
MAX_BULK = 10_000
RESPONSES = {**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]}

LineStatus = Literal["pending", "porting", "active", "suspended", "stopped"]
ChangeStatus = Literal["scheduled", "done", "cancelled", "failed"]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
LineIds = Annotated[list[Id], Field(min_length=1, max_length=MAX_BULK, description="Ids of the lines to change.")]
Versions = Annotated[
    dict[str, int] | None,
    Field(
        None,
        description="Line id → the `version` you read. A line changed since answers 409 and nothing is changed.",
    ),
]


# --- output ---------------------------------------------------------------------------------------


class LineStateOut(Schema):
    id: int
    msisdn: str = Field(description="E.164.")
    status: LineStatus
    network_state: Literal["in_sync", "pending", "failed"]
    version: int = Field(description="Send it back with a change to be told when someone changed the line meanwhile.")

    @staticmethod
    def of(line: Line) -> LineStateOut:
        return LineStateOut(
            id=line.pk,
            msisdn=line.msisdn,
            status=line.status,  # type: ignore[arg-type]
            network_state=line.network_state,  # type: ignore[arg-type]
            version=line.version,
        )


class LineOut(LineStateOut):
    description: str
    first_name: str
    last_name: str
    plan: str = Field(description="Tariff plan code.")
    plan_name: str
    options: list[str] = Field(description="Option codes.")
    billing_account: str = Field(description="Billing account number.")
    split_bill_profile: int | None
    tags: list[str]
    iccid: str | None
    sim_kind: Literal["physical", "esim"] | None
    activated_at: dt.datetime | None
    stopped_at: dt.datetime | None

    @staticmethod
    def of(line: Line) -> LineOut:
        return LineOut(
            **LineStateOut.of(line).model_dump(),
            description=line.description,
            first_name=line.first_name,
            last_name=line.last_name,
            plan=line.plan.code,
            plan_name=line.plan.name,
            options=[option.code for option in line.options.all()],
            billing_account=line.billing_account.number,
            split_bill_profile=line.split_bill_profile_id,
            tags=[tag.name for tag in line.tags.all()],
            iccid=line.sim.iccid if line.sim else None,
            sim_kind=line.sim.kind if line.sim else None,  # type: ignore[arg-type]
            activated_at=line.activated_at,
            stopped_at=line.stopped_at,
        )


class LineDetailOut(LineOut):
    civility: str
    birth_date: dt.date | None
    email: str
    contact_phone: str
    language: str
    postal_code: str
    locality: str
    street: str
    box: str
    details_confirmed_at: dt.datetime | None = Field(
        description="Set once the user confirmed: managers can no longer edit."
    )
    donor_operator: str = Field(description="Current operator of a ported-in number.")
    transferred_to_private: bool

    @staticmethod
    def of(line: Line) -> LineDetailOut:
        return LineDetailOut(
            **{
                **LineOut.of(line).model_dump(),
                **{name: getattr(line, name) for name in actions.details.DETAIL_FIELDS},
                "details_confirmed_at": line.details_confirmed_at,
                "donor_operator": line.donor_operator,
                "transferred_to_private": line.transferred_to_private,
            }
        )


class LinePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[LineOut]


class SimCardOut(Schema):
    id: int
    iccid: str
    kind: Literal["physical", "esim"]
    operator_stock: bool = Field(description="True for the operator's stock, which every customer may use.")


class SimCardPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SimCardOut]


class FreeNumbersOut(Schema):
    count: int
    first: list[str] = Field(description="Some free numbers, in E.164.")


class ScheduledChangeOut(Schema):
    id: int
    line_id: int
    msisdn: str
    kind: Literal["activate", "suspend", "reactivate", "stop", "plan"]
    date: dt.date
    status: ChangeStatus
    error: str

    @staticmethod
    def of(change: ScheduledChange) -> ScheduledChangeOut:
        return ScheduledChangeOut(
            id=change.pk,
            line_id=change.line_id,
            msisdn=change.line.msisdn,
            kind=change.kind,  # type: ignore[arg-type]
            date=change.due_date,
            status=change.status,  # type: ignore[arg-type]
            error=change.error,
        )


class ActivationOut(Schema):
    date: dt.date
    scheduled: bool = Field(description="True when planned for a later date, False when done now.")
    lines: list[LineStateOut]


class LinesOut(Schema):
    lines: list[LineStateOut]


class PlanRowOut(Schema):
    line_id: int
    msisdn: str
    previous_plan: str
    new_plan: str
    changes: bool
    dropped_options: list[str] = Field(description="Options that do not go with the new plan: removed.")


class PlanReviewOut(Schema):
    applied: bool
    plan: str
    rows: list[PlanRowOut]
    versions: dict[str, int]


class OptionsRowOut(Schema):
    line_id: int
    msisdn: str
    added: list[str]
    removed: list[str]
    not_applicable: list[str] = Field(description="Asked for, but not available with this number's plan.")
    options: list[str] = Field(description="The line's options after the change.")


class OptionsReviewOut(Schema):
    applied: bool
    rows: list[OptionsRowOut]
    versions: dict[str, int]


# --- input ----------------------------------------------------------------------------------------


class In(Schema):
    """Input: text with a NUL character is refused on its field (no database stores one)."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        texts = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError(_("This value contains a character that is not allowed."))
        return value


class LineCriteria(In):
    q: str = Field("", max_length=100, description="Number (also as 0470…), SIM card number, name or description.")
    status: LineStatus | None = None
    plan: str = Field("", max_length=40, description="Tariff plan code.")
    billing_account: str = Field("", max_length=20, description="Billing account number.")
    tag: str = Field("", max_length=60, description="Tag name.")
    sort: str = Field("msisdn", max_length=20, description=f"One of {', '.join(selectors.SORTS)}; prefix - to reverse.")


class LineFilters(LineCriteria):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


class PageFilters(In):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


class DetailsIn(In):
    description: str = Field("", max_length=200)
    civility: Literal["", "mr", "ms", "mx"] = ""
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    birth_date: dt.date | None = None
    email: str = Field("", max_length=254)
    contact_phone: str = Field("", max_length=20)
    language: str = Field("", max_length=8)
    postal_code: str = Field("", max_length=10)
    locality: str = Field("", max_length=100)
    street: str = Field("", max_length=200)
    box: str = Field("", max_length=10)


class DetailsPatch(In):
    """Only the fields sent change; `version` guards against a concurrent edit."""

    description: str | None = Field(None, max_length=200)
    civility: Literal["", "mr", "ms", "mx"] | None = None
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    birth_date: dt.date | None = None
    email: str | None = Field(None, max_length=254)
    contact_phone: str | None = Field(None, max_length=20)
    language: str | None = Field(None, max_length=8)
    postal_code: str | None = Field(None, max_length=10)
    locality: str | None = Field(None, max_length=100)
    street: str | None = Field(None, max_length=200)
    box: str | None = Field(None, max_length=10)
    version: int | None = None

    def changes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set if name != "version"}


class NewNumberIn(In):
    kind: Literal["new"]
    msisdn: str = Field("", max_length=20, description="A free number of the pool; empty: the first free one.")


class PortInIn(In):
    kind: Literal["port_in"]
    msisdn: str = Field(max_length=20, description="The number to keep, as 0470… or +32470….")
    donor_operator: str = Field(max_length=60)
    donor_account: str = Field("", max_length=40, description="Customer number at the current operator.")
    donor_sim: str = Field("", max_length=20, description="SIM card number at the current operator.")


class LineIn(In):
    """A `customer` field, if sent, is ignored: the line is the caller's customer's (S1)."""

    iccid: str = Field(max_length=40, description="A blank SIM card of your stock or the operator's.")
    plan: str = Field(max_length=40, description="Tariff plan code.")
    options: list[str] = Field(default_factory=list, max_length=50, description="Option codes.")
    billing_account: str = Field(max_length=20, description="Billing account number.")
    split_bill_profile: Id | None = None
    details: DetailsIn | None = None
    number: NewNumberIn | PortInIn = Field(discriminator="kind")


class ActivateIn(In):
    line_ids: LineIds
    date: dt.date


class SwitchIn(In):
    line_ids: LineIds
    date: dt.date | None = Field(None, description="Empty: now.")
    reason: str = Field("", max_length=200)
    versions: Versions


class SwapIn(In):
    new_iccid: str = Field(max_length=40)
    version: int | None = None


class EsimResendIn(In):
    email: str = Field("", max_length=254, description="Empty: the line's user's e-mail address.")


class EsimResendOut(Schema):
    recipient: str = Field(description="Where the activation e-mail went.")


class StopIn(In):
    date: dt.date
    transfer_to_private: bool = Field(False, description="Hand the number over to the user instead of ending it.")
    version: int | None = None


class PlanChangeIn(In):
    line_ids: LineIds
    plan: str = Field(max_length=40, description="Tariff plan code.")
    date: dt.date | None = Field(None, description="Empty: now.")
    dry_run: bool = Field(False, description="Answer the review (incl. options dropped) without changing anything.")
    versions: Versions


class OptionsChangeIn(In):
    line_ids: LineIds
    add: list[str] = Field(default_factory=list, max_length=50)
    remove: list[str] = Field(default_factory=list, max_length=50)
    dry_run: bool = False
    versions: Versions


class BillingChangeIn(In):
    """Send `split_bill_profile: null` to end split billing; leave it out to keep it."""

    line_ids: LineIds
    billing_account: str | None = Field(None, max_length=20, description="Billing account number.")
    split_bill_profile: Id | None = None
    versions: Versions


class TagsChangeIn(In):
    line_ids: LineIds
    add: list[str] = Field(default_factory=list, max_length=50, description="Tag names.")
    remove: list[str] = Field(default_factory=list, max_length=50)


# --- lookups of what a body names: the caller's own only --------------------------------------------


def _plan(code: str, field: str = "plan") -> TariffPlan:
    plan = TariffPlan.objects.filter(code=code).first()
    if plan is None:
        raise ActionError(_("Choose a tariff plan of your contract."), field=field)
    return plan


def _options(codes: Sequence[str], field: str) -> list[Option]:
    found = {option.code: option for option in Option.objects.filter(code__in=codes)}
    for code in codes:
        if code not in found:
            raise ActionError(_("Unknown option %(code)s.") % {"code": code[:40]}, field=field)
    return [found[code] for code in dict.fromkeys(codes)]


def _billing_account(actor: Actor, number: str) -> BillingAccount:
    account = selectors.billing_accounts_for(actor).filter(number=number).first()
    if account is None:
        raise ActionError(_("Choose one of your billing accounts."), field="billing_account")
    return account


def _split_bill_profile(actor: Actor, profile_id: int | None) -> SplitBillProfile | None:
    if profile_id is None:
        return None
    profile = selectors.split_bill_profiles_for(actor).filter(pk=profile_id).first()
    if profile is None:
        raise ActionError(_("Choose one of your split-bill profiles."), field="split_bill_profile")
    return profile


def _tags(actor: Actor, names: Sequence[str], field: str) -> list[Tag]:
    found = {tag.name: tag for tag in selectors.tags_for(actor).filter(name__in=names)}
    for name in names:
        if name not in found:
            raise ActionError(_("Unknown tag %(name)s.") % {"name": name[:60]}, field=field)
    return [found[name] for name in dict.fromkeys(names)]


def _versions(versions: dict[str, int] | None) -> dict[int, int] | None:
    if versions is None:
        return None
    try:
        return {int(key): value for key, value in versions.items()}
    except ValueError as exc:
        raise ActionError(_("Use line ids as the keys of versions."), field="versions") from exc


def _detail(actor: Actor, line_id: int) -> LineDetailOut:
    return LineDetailOut.of(selectors.line_for(actor, line_id))


# --- reads ----------------------------------------------------------------------------------------


def line_criteria(actor: Actor, filters: LineCriteria) -> dict[str, Any]:
    """The filters as `selectors.lines_for` takes them, the named objects looked up among the
    caller's own."""
    return {
        "search": filters.q,
        "status": filters.status or "",
        "plan": _plan(filters.plan) if filters.plan else None,
        "billing_account": _billing_account(actor, filters.billing_account) if filters.billing_account else None,
        "tag": _tags(actor, [filters.tag], "tag")[0] if filters.tag else None,
        "sort": filters.sort,
    }


@router.get("/lines", response={200: LinePage, **RESPONSES}, operation_id="lines_list", summary="List lines")
def lines_list(request: PortalRequest, filters: Query[LineFilters]) -> LinePage:
    """The SIM overview: searched, filtered, sorted and paged. Scope `read` or `fleet`."""
    actor = api_actor(request, *READ)
    lines: QuerySet[Line] = selectors.lines_for(actor, **line_criteria(actor, filters))
    page = lines[filters.offset : filters.offset + filters.limit]
    return LinePage(
        count=lines.count(), limit=filters.limit, offset=filters.offset, items=[LineOut.of(line) for line in page]
    )


@router.get(
    "/lines/{int:line_id}", response={200: LineDetailOut, **RESPONSES}, operation_id="line_get", summary="Get a line"
)
def line_get(request: PortalRequest, line_id: int) -> LineDetailOut:
    """One line with its user details and address. Scope `read` or `fleet`."""
    return _detail(api_actor(request, *READ), line_id)


@router.get(
    "/sim-cards", response={200: SimCardPage, **RESPONSES}, operation_id="sim_cards_list", summary="Blank SIM stock"
)
def sim_cards_list(request: PortalRequest, filters: Query[PageFilters]) -> SimCardPage:
    """Blank SIM cards a new line may take: yours and the operator's. Scope `read` or `fleet`."""
    cards: QuerySet[SimCard] = selectors.blank_sims_for(api_actor(request, *READ))
    page = cards[filters.offset : filters.offset + filters.limit]
    items = [SimCardOut(id=c.pk, iccid=c.iccid, kind=c.kind, operator_stock=c.customer_id is None) for c in page]  # type: ignore[arg-type]
    return SimCardPage(count=cards.count(), limit=filters.limit, offset=filters.offset, items=items)


@router.get(
    "/numbers/free", response={200: FreeNumbersOut, **RESPONSES}, operation_id="free_numbers", summary="Free numbers"
)
def free_numbers(request: PortalRequest) -> FreeNumbersOut:
    """How many numbers the pool has free, and the first few. Scope `read` or `fleet`."""
    api_actor(request, *READ)
    return FreeNumbersOut(count=selectors.free_numbers_count(), first=selectors.free_numbers(limit=10))


@router.get(
    "/scheduled-changes",
    response={200: list[ScheduledChangeOut], **RESPONSES},
    operation_id="scheduled_changes_list",
    summary="Planned changes",
)
def scheduled_changes_list(
    request: PortalRequest,
    line_id: int | None = None,
    status: Literal["scheduled", "done", "cancelled", "failed"] = "scheduled",
) -> list[ScheduledChangeOut]:
    """Changes planned for a date (activation, suspension, stop, plan), by line if given. Scope `read` or `fleet`."""
    actor = api_actor(request, *READ)
    line = selectors.line_for(actor, line_id) if line_id is not None else None
    changes = selectors.scheduled_changes_for(actor, line=line, status=status)[:1000]
    return [ScheduledChangeOut.of(change) for change in changes]


# --- changes --------------------------------------------------------------------------------------


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
    line = actions.line_add(
        actor=actor,
        iccid=payload.iccid,
        details=actions.LineDetails(**(payload.details.model_dump() if payload.details else {})),
        plan=_plan(payload.plan),
        options=_options(payload.options, "options"),
        billing_account=_billing_account(actor, payload.billing_account),
        split_bill_profile=_split_bill_profile(actor, payload.split_bill_profile),
        number_choice=number,
    )
    return Status(201, _detail(actor, line.pk))


@router.post(
    "/lines/activate", response={200: ActivationOut, **RESPONSES}, operation_id="lines_activate", summary="Activate"
)
def lines_activate(request: PortalRequest, payload: ActivateIn) -> ActivationOut:
    """Activate pending lines today or plan it for a later date (F-22). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    result = actions.line_activate(actor=actor, lines=selectors.lines_by_ids(actor, payload.line_ids), on=payload.date)
    return ActivationOut(
        date=result.on, scheduled=result.scheduled, lines=[LineStateOut.of(line) for line in result.lines]
    )


@router.post("/lines/suspend", response={200: LinesOut, **RESPONSES}, operation_id="lines_suspend", summary="Suspend")
def lines_suspend(request: PortalRequest, payload: SwitchIn) -> LinesOut:
    """Suspend active lines now or on a date, all or none (F-25). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    lines = actions.lines_suspend(
        actor=actor,
        lines=selectors.lines_by_ids(actor, payload.line_ids),
        on=payload.date,
        reason=payload.reason,
        expected_versions=_versions(payload.versions),
    )
    return LinesOut(lines=[LineStateOut.of(line) for line in lines])


@router.post(
    "/lines/reactivate", response={200: LinesOut, **RESPONSES}, operation_id="lines_reactivate", summary="Reactivate"
)
def lines_reactivate(request: PortalRequest, payload: SwitchIn) -> LinesOut:
    """Reactivate suspended lines now or on a date, all or none (F-25). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    lines = actions.lines_reactivate(
        actor=actor,
        lines=selectors.lines_by_ids(actor, payload.line_ids),
        on=payload.date,
        reason=payload.reason,
        expected_versions=_versions(payload.versions),
    )
    return LinesOut(lines=[LineStateOut.of(line) for line in lines])


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


def _plan_review(review: actions.PlanChangeReview, applied: bool) -> PlanReviewOut:
    return PlanReviewOut(
        applied=applied,
        plan=review.plan.code,
        rows=[
            PlanRowOut(
                line_id=row.line.pk,
                msisdn=row.line.msisdn,
                previous_plan=row.previous_plan.code,
                new_plan=row.new_plan.code,
                changes=row.changes,
                dropped_options=sorted(option.code for option in row.dropped),
            )
            for row in review.rows
        ],
        versions={str(row.line.pk): row.line.version for row in review.rows},
    )


@router.post(
    "/lines/plan", response={200: PlanReviewOut, **RESPONSES}, operation_id="lines_change_plan", summary="Change plan"
)
def lines_change_plan(request: PortalRequest, payload: PlanChangeIn) -> PlanReviewOut:
    """Move lines to another plan, all or none; options that do not go with it are dropped and
    listed (F-28, R-F2). `dry_run` answers the review only. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    review = actions.lines_change_plan(
        actor=actor,
        lines=selectors.lines_by_ids(actor, payload.line_ids),
        plan=_plan(payload.plan),
        on=payload.date,
        expected_versions=_versions(payload.versions),
        dry_run=payload.dry_run,
    )
    return _plan_review(review, applied=not payload.dry_run)


@router.post(
    "/lines/options",
    response={200: OptionsReviewOut, **RESPONSES},
    operation_id="lines_change_options",
    summary="Add or remove options",
)
def lines_change_options(request: PortalRequest, payload: OptionsChangeIn) -> OptionsReviewOut:
    """Add and remove options on lines, all or none; per line what is not applicable to its
    plan is listed and left out (F-29). `dry_run` answers the review only. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    review = actions.lines_change_options(
        actor=actor,
        lines=selectors.lines_by_ids(actor, payload.line_ids),
        add=_options(payload.add, "add"),
        remove=_options(payload.remove, "remove"),
        expected_versions=_versions(payload.versions),
        dry_run=payload.dry_run,
    )
    codes = lambda options: sorted(option.code for option in options)  # noqa: E731
    return OptionsReviewOut(
        applied=not payload.dry_run,
        rows=[
            OptionsRowOut(
                line_id=row.line.pk,
                msisdn=row.line.msisdn,
                added=codes(row.added),
                removed=codes(row.removed),
                not_applicable=codes(row.not_applicable),
                options=codes(row.options_after),
            )
            for row in review.rows
        ],
        versions={str(row.line.pk): row.line.version for row in review.rows},
    )


@router.post(
    "/lines/billing",
    response={200: LinesOut, **RESPONSES},
    operation_id="lines_change_billing",
    summary="Change billing",
)
def lines_change_billing(request: PortalRequest, payload: BillingChangeIn) -> LinesOut:
    """Move lines to another billing account and/or split-bill profile (F-30). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    lines = actions.lines_change_billing(
        actor=actor,
        lines=selectors.lines_by_ids(actor, payload.line_ids),
        billing_account=_billing_account(actor, payload.billing_account) if payload.billing_account else None,
        split_bill_profile=(
            _split_bill_profile(actor, payload.split_bill_profile)
            if "split_bill_profile" in payload.model_fields_set
            else actions.KEEP
        ),
        expected_versions=_versions(payload.versions),
    )
    return LinesOut(lines=[LineStateOut.of(line) for line in lines])


@router.post("/lines/tags", response={200: LinesOut, **RESPONSES}, operation_id="lines_tags", summary="Tag lines")
def lines_tags(request: PortalRequest, payload: TagsChangeIn) -> LinesOut:
    """Put tags (cost centres) on lines and/or take them off. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    lines = actions.lines_set_tags(
        actor=actor,
        lines=selectors.lines_by_ids(actor, payload.line_ids),
        add=_tags(actor, payload.add, "add"),
        remove=_tags(actor, payload.remove, "remove"),
    )
    return LinesOut(lines=[LineStateOut.of(line) for line in lines])


@router.post(
    "/scheduled-changes/{int:change_id}/cancel",
    response={200: ScheduledChangeOut, **RESPONSES},
    operation_id="scheduled_change_cancel",
    summary="Cancel a planned change",
)
def scheduled_change_cancel(request: PortalRequest, change_id: int) -> ScheduledChangeOut:
    """Cancel a change planned for a date while it has not run. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    change = selectors.scheduled_change_for(actor, None, change_id)
    return ScheduledChangeOut.of(actions.schedule_cancel(actor=actor, change=change))
