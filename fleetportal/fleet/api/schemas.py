"""What the fleet endpoints take and answer (F-91). Input text is as long as the model field it
lands in allows (`model_length`), so a value too long is a 422 naming its field, never a
database error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import models
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator

from fleetportal.billing.models import BillingAccount
from fleetportal.catalog.models import TariffPlan
from fleetportal.core.api import ERROR_RESPONSES, Page, PageQuery

from .. import actions, selectors
from ..actions.imports import rows_done
from ..models import ImportJob, Line, ScheduledChange, Tag

MAX_BULK = 10_000
MAX_CODES = 50  # plan options or tags named in one body
RESPONSES = {**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]}

# Numbers as people type them (spaces, dashes, +32 (0)…), cleaned by the actions before they
# are stored: longer than the stored form (`Line.msisdn`, `SimCard.iccid`).
TYPED_MSISDN = 20
TYPED_ICCID = 40

LineStatus = Literal["pending", "porting", "active", "suspended", "stopped"]
ChangeStatus = Literal["scheduled", "done", "cancelled", "failed"]
Civility = Literal["", "mr", "ms", "mx"]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
LineIds = Annotated[list[Id], Field(min_length=1, max_length=MAX_BULK, description="Ids of the lines to change.")]
Versions = Annotated[
    dict[str, int] | None,
    Field(
        None,
        description="Line id → the `version` you read. A line changed since answers 409 and nothing is changed.",
    ),
]


def model_length(model: type[models.Model], name: str) -> int:
    """The `max_length` of a model's text field."""
    length = model._meta.get_field(name).max_length  # type: ignore[union-attr]
    if length is None:
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return length


def text(model: type[models.Model], name: str, default: Any = "", **kwargs: Any) -> Any:
    """A text field of an input schema, no longer than the model field it is stored in."""
    return Field(default, max_length=model_length(model, name), **kwargs)


PLAN_CODE = model_length(TariffPlan, "code")
ACCOUNT_NUMBER = model_length(BillingAccount, "number")


# --- output ---------------------------------------------------------------------------------------


def amount_text(value: Decimal | None) -> str | None:
    """An amount in EUR as the API writes it, "25.50": a JSON number could round it."""
    return None if value is None else str(value)


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
    blocks: list[str] = Field(description="Services blocked (F-40); see /lines/{id}/blocks for who set them.")
    paybymobile: Literal["unlimited", "capped", "blocked"]
    paybymobile_cap: str | None = Field(description="Monthly PayByMobile limit in EUR (F-41).")
    out_of_bundle_notify_at: str | None = Field(description="Out-of-bundle notification amount in EUR (F-42).")
    bundle_alerts: bool = Field(description="The user's SMS at 75, 90 and 100 % of each bundle (F-43).")

    @staticmethod
    def of(line: Line) -> LineDetailOut:
        return LineDetailOut(
            **{
                **LineOut.of(line).model_dump(),
                **{name: getattr(line, name) for name in actions.details.DETAIL_FIELDS},
                "details_confirmed_at": line.details_confirmed_at,
                "donor_operator": line.donor_operator,
                "transferred_to_private": line.transferred_to_private,
                "blocks": sorted(actions.controls.current_blocks([line.pk]).get(line.pk, {})),
                "paybymobile": line.paybymobile,
                "paybymobile_cap": amount_text(line.paybymobile_cap),
                "out_of_bundle_notify_at": amount_text(line.out_of_bundle_notify_at),
                "bundle_alerts": line.bundle_alerts,
            }
        )


class LinePage(Page[LineOut]):
    pass


class SimCardOut(Schema):
    id: int
    iccid: str
    kind: Literal["physical", "esim"]
    operator_stock: bool = Field(description="True for the operator's stock, which every customer may use.")


class SimCardPage(Page[SimCardOut]):
    pass


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

    @staticmethod
    def of(lines: Sequence[Line]) -> LinesOut:
        return LinesOut(lines=[LineStateOut.of(line) for line in lines])


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

    @staticmethod
    def of(review: actions.PlanChangeReview, applied: bool) -> PlanReviewOut:
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
                    dropped_options=_codes(row.dropped),
                )
                for row in review.rows
            ],
            versions={str(row.line.pk): row.line.version for row in review.rows},
        )


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

    @staticmethod
    def of(review: actions.OptionsChangeReview, applied: bool) -> OptionsReviewOut:
        return OptionsReviewOut(
            applied=applied,
            rows=[
                OptionsRowOut(
                    line_id=row.line.pk,
                    msisdn=row.line.msisdn,
                    added=_codes(row.added),
                    removed=_codes(row.removed),
                    not_applicable=_codes(row.not_applicable),
                    options=_codes(row.options_after),
                )
                for row in review.rows
            ],
            versions={str(row.line.pk): row.line.version for row in review.rows},
        )


def _codes(items: Any) -> list[str]:
    return sorted(item.code for item in items)


class EsimResendOut(Schema):
    recipient: str = Field(description="Where the activation e-mail went.")


class RowErrorOut(Schema):
    line: int = Field(description="Line of the file (the header is line 1); 0 for the file as a whole.")
    column: str
    message: str


class ImportJobOut(Schema):
    id: int
    file_name: str
    status: Literal["checking", "checked", "applying", "done", "failed"]
    total: int
    done: int
    created: int
    errors: list[RowErrorOut]
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def of(job: ImportJob) -> ImportJobOut:
        errors = [
            RowErrorOut(line=int(line), column=column or "", message=message)
            for line, problems in sorted(job.errors.items(), key=lambda item: int(item[0]))
            for column, message in problems
        ]
        return ImportJobOut(
            id=job.pk,
            file_name=job.file_name,
            status=job.status,  # type: ignore[arg-type]
            total=job.total,
            done=rows_done(job),
            created=job.created,
            errors=errors,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


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
    plan: str = Field("", max_length=PLAN_CODE, description="Tariff plan code.")
    billing_account: str = Field("", max_length=ACCOUNT_NUMBER, description="Billing account number.")
    tag: str = text(Tag, "name", description="Tag name.")
    sort: str = Field("msisdn", max_length=20, description=f"One of {', '.join(selectors.SORTS)}; prefix - to reverse.")


class LineFilters(PageQuery, LineCriteria):
    pass


class PageFilters(PageQuery):
    pass


class ExportFilters(LineCriteria):
    format: Literal["xlsx", "csv"] = "xlsx"


class DetailsIn(In):
    description: str = text(Line, "description")
    civility: Civility = ""
    first_name: str = text(Line, "first_name")
    last_name: str = text(Line, "last_name")
    birth_date: dt.date | None = None
    email: str = text(Line, "email")
    contact_phone: str = text(Line, "contact_phone")
    language: str = text(Line, "language")
    postal_code: str = text(Line, "postal_code")
    locality: str = text(Line, "locality")
    street: str = text(Line, "street")
    box: str = text(Line, "box")


class DetailsPatch(In):
    """Only the fields sent change; `version` guards against a concurrent edit."""

    description: str | None = text(Line, "description", None)
    civility: Civility | None = None
    first_name: str | None = text(Line, "first_name", None)
    last_name: str | None = text(Line, "last_name", None)
    birth_date: dt.date | None = None
    email: str | None = text(Line, "email", None)
    contact_phone: str | None = text(Line, "contact_phone", None)
    language: str | None = text(Line, "language", None)
    postal_code: str | None = text(Line, "postal_code", None)
    locality: str | None = text(Line, "locality", None)
    street: str | None = text(Line, "street", None)
    box: str | None = text(Line, "box", None)
    version: int | None = None

    def changes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set if name != "version"}


class NewNumberIn(In):
    kind: Literal["new"]
    msisdn: str = Field(
        "", max_length=TYPED_MSISDN, description="A free number of the pool; empty: the first free one."
    )


class PortInIn(In):
    kind: Literal["port_in"]
    msisdn: str = Field(max_length=TYPED_MSISDN, description="The number to keep, as 0470… or +32470….")
    donor_operator: str = text(Line, "donor_operator", ...)
    donor_account: str = text(Line, "donor_account", description="Customer number at the current operator.")
    donor_sim: str = text(Line, "donor_sim", description="SIM card number at the current operator.")


class LineIn(In):
    """A `customer` field, if sent, is ignored: the line is the caller's customer's (S1)."""

    iccid: str = Field(max_length=TYPED_ICCID, description="A blank SIM card of your stock or the operator's.")
    plan: str = Field(max_length=PLAN_CODE, description="Tariff plan code.")
    options: list[str] = Field(default_factory=list, max_length=MAX_CODES, description="Option codes.")
    billing_account: str = Field(max_length=ACCOUNT_NUMBER, description="Billing account number.")
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
    new_iccid: str = Field(max_length=TYPED_ICCID)
    version: int | None = None


class EsimResendIn(In):
    email: str = text(Line, "email", description="Empty: the line's user's e-mail address.")


class StopIn(In):
    date: dt.date
    transfer_to_private: bool = Field(False, description="Hand the number over to the user instead of ending it.")
    version: int | None = None


class PlanChangeIn(In):
    line_ids: LineIds
    plan: str = Field(max_length=PLAN_CODE, description="Tariff plan code.")
    date: dt.date | None = Field(None, description="Empty: now.")
    dry_run: bool = Field(False, description="Answer the review (incl. options dropped) without changing anything.")
    versions: Versions


class OptionsChangeIn(In):
    line_ids: LineIds
    add: list[str] = Field(default_factory=list, max_length=MAX_CODES)
    remove: list[str] = Field(default_factory=list, max_length=MAX_CODES)
    dry_run: bool = False
    versions: Versions


class BillingChangeIn(In):
    """Send `split_bill_profile: null` to end split billing; leave it out to keep it."""

    line_ids: LineIds
    billing_account: str | None = Field(None, max_length=ACCOUNT_NUMBER, description="Billing account number.")
    split_bill_profile: Id | None = None
    versions: Versions


class TagsChangeIn(In):
    line_ids: LineIds
    add: list[str] = Field(default_factory=list, max_length=MAX_CODES, description="Tag names.")
    remove: list[str] = Field(default_factory=list, max_length=MAX_CODES)
