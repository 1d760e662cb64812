"""Usage queries through the API (F-56, F-91): usage and counters per line, billing account and
company, per period; read with a key's `read` or `fleet` scope, or a session with the fleet or
billing right. The same selectors and
sums as the usage page, so the API and the page give the same figures.

`period` is `YYYY-MM` (the current period when left out); anything else, or a period not
started yet, is a 422 naming `period`. Quantities are in the counters' units: MB, seconds,
messages, EUR; an allowance of null is unlimited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from fleetportal.accounts.models import ApiKey, Function
from fleetportal.core.api import ERROR_RESPONSES, Page, PageQuery, api_actor
from fleetportal.core.http import PortalRequest

from . import reports, selectors
from .models import UsageCounter

router = Router(tags=["usage"])

# Keys read usage with the `read` or `fleet` scope; logins with the fleet or billing right.
READ = (ApiKey.Scope.READ, ApiKey.Scope.FLEET, Function.BILLING)
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _period(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return reports.read_period(value if isinstance(value, str) else None)


class PeriodQuery(Schema):
    period: dt.date = Field(
        default_factory=reports.current_period, description="YYYY-MM; the current period when left out"
    )

    @field_validator("period", mode="before")
    @classmethod
    def _read(cls, value: Any) -> dt.date:
        return _period(value)


class CounterPage(PageQuery, PeriodQuery):
    pass


class TotalsOut(Schema):
    lines: int = Field(..., description="lines with usage in the period")
    over_bundle: int = Field(..., description="of which over one of their own bundles")
    data_mb: Decimal
    voice_seconds: Decimal
    sms: Decimal
    mms: Decimal
    out_of_bundle_eur: Decimal
    third_party_eur: Decimal
    refused: int

    @staticmethod
    def of(totals: reports.Totals) -> TotalsOut:
        return TotalsOut(**{name: getattr(totals, name) for name in TotalsOut.model_fields})


class CounterOut(Schema):
    line: int
    number: str
    period: dt.date
    data_mb: Decimal
    data_bundle_mb: Decimal = Field(..., description="drawn from the line's own bundles")
    data_pool_mb: Decimal = Field(..., description="drawn from its group bundle")
    voice_seconds: Decimal
    voice_bundle_seconds: Decimal
    voice_pool_seconds: Decimal
    sms: Decimal
    sms_bundle: Decimal
    sms_pool: Decimal
    mms: Decimal
    out_of_bundle_eur: Decimal
    third_party_eur: Decimal
    refused: int
    allowance_data_mb: int | None
    allowance_voice_minutes: int | None
    allowance_sms: int | None

    @staticmethod
    def of(counter: UsageCounter) -> CounterOut:
        values = {name: getattr(counter, name) for name in CounterOut.model_fields if name not in ("line", "number")}
        return CounterOut(line=counter.line_id, number=counter.line.msisdn, **values)


class CounterPageOut(Page[CounterOut]):
    pass


class LineUsageOut(Schema):
    line: int
    number: str
    period: dt.date
    days_left: int = Field(..., description="days of the period still to come, today included")
    counter: CounterOut | None = Field(..., description="null: no usage in the period")


class GroupOut(Schema):
    id: int | None = Field(..., description="null: the lines without a tag")
    label: str
    totals: TotalsOut

    @staticmethod
    def of(group: reports.Group) -> GroupOut:
        return GroupOut(id=group.key, label=group.label, totals=TotalsOut.of(group.totals))


class AccountUsageOut(Schema):
    account: int
    number: str
    period: dt.date
    totals: TotalsOut


class CompanyUsageOut(Schema):
    period: dt.date
    totals: TotalsOut
    accounts: list[GroupOut]
    tags: list[GroupOut] = Field(..., description="a line with several tags counts under each")
    out_of_bundle_per_period: dict[str, Decimal] = Field(..., description="the last six periods, YYYY-MM → EUR")


def _counters(request: PortalRequest, period: dt.date) -> Any:
    actor = api_actor(request, *READ)
    return actor, selectors.usage_counters_for(actor).filter(customer=actor.tenant, period=period)


@router.get(
    "/usage/lines/{int:line_id}",
    response={200: LineUsageOut, **ERROR_RESPONSES},
    operation_id="usage_line_get",
    summary="A line's usage in a period",
)
def line_usage(request: PortalRequest, line_id: Id, query: Query[PeriodQuery]) -> LineUsageOut:
    """The line's counter in the period (null: nothing used yet). Scope `read` or `fleet` (a
    session: the fleet or billing right)."""
    actor = api_actor(request, *READ)
    line = selectors.usage_line_for(actor, line_id)
    counter = selectors.usage_counters_for(actor).filter(line=line, period=query.period).select_related("line").first()
    left = reports.days_left(query.period) if query.period == reports.current_period() else 0
    return LineUsageOut(
        line=line.pk,
        number=line.msisdn,
        period=query.period,
        days_left=left,
        counter=CounterOut.of(counter) if counter else None,
    )


@router.get(
    "/usage/accounts/{int:account_id}",
    response={200: AccountUsageOut, **ERROR_RESPONSES},
    operation_id="usage_account_get",
    summary="A billing account's usage in a period",
)
def account_usage(request: PortalRequest, account_id: Id, query: Query[PeriodQuery]) -> AccountUsageOut:
    """The totals of the account's lines in the period. Scope `read` or `fleet` (a session: the
    fleet or billing right)."""
    actor, counters = _counters(request, query.period)
    account = selectors.usage_account_for(actor, account_id)
    totals = reports.totals(counters.filter(line__billing_account=account))
    return AccountUsageOut(account=account.pk, number=account.number, period=query.period, totals=TotalsOut.of(totals))


@router.get(
    "/usage/company",
    response={200: CompanyUsageOut, **ERROR_RESPONSES},
    operation_id="usage_company_get",
    summary="The company's usage in a period",
)
def company_usage(request: PortalRequest, query: Query[PeriodQuery]) -> CompanyUsageOut:
    """The totals, per billing account and per tag, and the out-of-bundle cost of the last six
    periods. Scope `read` or `fleet` (a session: the fleet or billing right)."""
    actor, counters = _counters(request, query.period)
    every_period = selectors.usage_counters_for(actor).filter(customer=actor.tenant)
    months = reports.cost_per_period(every_period, reports.previous_periods(query.period, reports.COST_MONTHS))
    return CompanyUsageOut(
        period=query.period,
        totals=TotalsOut.of(reports.totals(counters)),
        accounts=[GroupOut.of(group) for group in reports.by_account(counters)],
        tags=[GroupOut.of(group) for group in reports.by_tag(counters)],
        out_of_bundle_per_period={f"{period:%Y-%m}": cost for period, cost in months},
    )


@router.get(
    "/usage/counters",
    response={200: CounterPageOut, **ERROR_RESPONSES},
    operation_id="usage_counters_list",
    summary="The lines' counters in a period",
)
def counters_list(request: PortalRequest, query: Query[CounterPage]) -> CounterPageOut:
    """Every line's counter in the period, by number, paged. Scope `read` or `fleet` (a session:
    the fleet or billing right)."""
    _actor, counters = _counters(request, query.period)
    rows = counters.select_related("line").order_by("line__msisdn", "pk")
    return CounterPageOut.of(rows, query, CounterOut.of)
