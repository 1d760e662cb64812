"""Usage figures for the pages, the API and the exports (F-56): sums over the counters that
rating keeps per line and period, and the records' quantities per day for the daily chart.

Everything here takes querysets the selectors scoped to the actor, and aggregates them in the
database (one GROUP BY per table, whatever the number of lines), so a page of a 50,000-line
customer costs the same few queries as one of ten lines. Quantities keep the counters' units
(MB, seconds, messages, EUR); minutes are seconds / 60.

A line is "over its bundle" in a period when one of its own bundles (data, minutes, SMS) is used
up and it used more of that kind than the bundle and its group bundle gave it: the rest went
out of bundle (or was refused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fleetportal.fleet.models import Line

from .models import UsageCounter, UsageRecord
from .periods import bounds, next_period, parse_period, period_of

ZERO = Decimal(0)
SECONDS_PER_MINUTE = Decimal(60)
PAST_PERIODS = 12  # the period picker offers the current period and these many before it
COST_MONTHS = 6  # the out-of-bundle chart's months, ending with the period shown
TOP = 10
SUMMED = ("data_mb", "voice_seconds", "sms", "mms", "out_of_bundle_eur", "third_party_eur", "refused")


# --- periods ---------------------------------------------------------------------------------------


def current_period() -> dt.date:
    return period_of(timezone.now())


def read_period(text: str | None) -> dt.date:
    """`YYYY-MM` (or empty: the current period) → the period; ValueError with a translated
    message naming the format for anything else, or a period that has not started yet. The
    page's form and the API's query take periods through here alike."""
    if not text:
        return current_period()
    try:
        period = parse_period(text.strip())
    except ValueError:
        raise ValueError(_("Enter the period as YYYY-MM, for example 2026-03.")) from None
    if period > current_period():
        raise ValueError(_("The period %(period)s has not started yet.") % {"period": f"{period:%Y-%m}"})
    if period.year < 2000:
        raise ValueError(_("Enter the period as YYYY-MM, for example 2026-03."))
    return period


def previous_periods(period: dt.date, count: int) -> list[dt.date]:
    """`count` periods ending with `period`, the oldest first."""
    periods = [period]
    while len(periods) < count:
        periods.append((periods[-1] - dt.timedelta(days=1)).replace(day=1))
    return periods[::-1]


def period_choices() -> list[dt.date]:
    """The current period and the PAST_PERIODS before it, the newest first."""
    return previous_periods(current_period(), PAST_PERIODS + 1)[::-1]


def days_left(period: dt.date, today: dt.date | None = None) -> int:
    """Days of the period still to come, today included (0 for a past period)."""
    today = today or timezone.localdate()
    return max((next_period(period) - max(today, period)).days, 0)


# --- sums over counters ----------------------------------------------------------------------------


def over_bundle() -> Q:
    """Counters of lines that used up one of their own bundles and used more of its kind."""
    used_up = Q()
    for total, pool, bundle, allowance, factor in (
        ("data_mb", "data_pool_mb", "data_bundle_mb", "allowance_data_mb", 1),
        ("voice_seconds", "voice_pool_seconds", "voice_bundle_seconds", "allowance_voice_minutes", 60),
        ("sms", "sms_pool", "sms_bundle", "allowance_sms", 1),
    ):
        used_up |= Q(
            **{
                f"{allowance}__isnull": False,
                f"{bundle}__gte": F(allowance) * factor,
                f"{total}__gt": F(pool) + F(bundle),
            }
        )
    return used_up


def with_over(counters: QuerySet[UsageCounter]) -> QuerySet[UsageCounter]:
    """The counters, each with `over`: whether its line is over one of its bundles."""
    return counters.annotate(over=ExpressionWrapper(over_bundle(), output_field=BooleanField()))


@dataclass(frozen=True)
class Totals:
    """The sums of some lines' counters in a period."""

    lines: int = 0
    over_bundle: int = 0
    data_mb: Decimal = ZERO
    voice_seconds: Decimal = ZERO
    sms: Decimal = ZERO
    mms: Decimal = ZERO
    out_of_bundle_eur: Decimal = ZERO
    third_party_eur: Decimal = ZERO
    refused: int = 0

    @property
    def voice_minutes(self) -> Decimal:
        return self.voice_seconds / SECONDS_PER_MINUTE

    @classmethod
    def of(cls, row: dict[str, Any]) -> Totals:
        values: dict[str, Any] = {name: row.get(name) or 0 for name in cls.__dataclass_fields__}
        return cls(**values)


def _sums() -> dict[str, Any]:
    return {
        "lines": Count("pk"),
        "over_bundle": Count("pk", filter=over_bundle()),
        **{name: Sum(name) for name in SUMMED},
    }


def totals(counters: QuerySet[UsageCounter]) -> Totals:
    return Totals.of(counters.aggregate(**_sums()))


@dataclass(frozen=True)
class Group:
    """The totals of one billing account or tag; `key` None: the lines without a tag."""

    key: int | None
    label: str
    name: str
    totals: Totals


def by_account(counters: QuerySet[UsageCounter]) -> list[Group]:
    rows = (
        counters.values("line__billing_account", "line__billing_account__number", "line__billing_account__name")
        .annotate(**_sums())
        .order_by("line__billing_account__number")
    )
    return [
        Group(
            key=row["line__billing_account"],
            label=row["line__billing_account__number"],
            name=row["line__billing_account__name"],
            totals=Totals.of(row),
        )
        for row in rows
    ]


def by_tag(counters: QuerySet[UsageCounter]) -> list[Group]:
    """Per tag (cost centre); a line with several tags counts under each, one with none under
    "No tag" (last)."""
    rows = counters.values("line__tags", "line__tags__name").annotate(**_sums()).order_by("line__tags__name")
    groups = [
        Group(
            key=row["line__tags"],
            label=row["line__tags__name"] or str(_("No tag")),
            name="",
            totals=Totals.of(row),
        )
        for row in rows
    ]
    return sorted(groups, key=lambda group: group.key is None)


@dataclass(frozen=True)
class Ranked:
    line_id: int
    number: str
    name: str
    value: Decimal


def _line_name(description: str, first: str, last: str) -> str:
    return " ".join(part for part in (first, last) if part) or description


def top_lines(counters: QuerySet[UsageCounter], column: str, count: int = TOP) -> list[Ranked]:
    """The lines with the most of `column` (data_mb, out_of_bundle_eur…), none with 0."""
    rows = (
        counters.filter(**{f"{column}__gt": 0})
        .order_by(f"-{column}", "line__msisdn")
        .values_list("line_id", "line__msisdn", "line__description", "line__first_name", "line__last_name", column)
    )
    return [
        Ranked(line_id=pk, number=number, name=_line_name(description, first, last), value=value)
        for pk, number, description, first, last, value in rows[:count]
    ]


def cost_per_period(counters: QuerySet[UsageCounter], periods: Sequence[dt.date]) -> list[tuple[dt.date, Decimal]]:
    """The out-of-bundle cost of each of `periods` (counters of any period, narrowed here)."""
    found = dict(
        counters.filter(period__in=periods)
        .values("period")
        .annotate(cost=Sum("out_of_bundle_eur"))
        .values_list("period", "cost")
        .order_by()
    )
    return [(period, found.get(period) or ZERO) for period in periods]


# --- the records per day -----------------------------------------------------------------------------


@dataclass
class Day:
    day: dt.date
    data_mb: Decimal = ZERO
    voice_seconds: Decimal = ZERO
    sms: Decimal = ZERO
    mms: Decimal = ZERO

    @property
    def voice_minutes(self) -> Decimal:
        return self.voice_seconds / SECONDS_PER_MINUTE


_DAY_COLUMN = {
    UsageRecord.Kind.DATA: "data_mb",
    UsageRecord.Kind.VOICE: "voice_seconds",
    UsageRecord.Kind.SMS: "sms",
    UsageRecord.Kind.MMS: "mms",
}


def daily(records: QuerySet[UsageRecord], period: dt.date) -> list[Day]:
    """Every day of the period with the quantities of the records that started on it (local
    time), per kind; third-party charges are amounts, not quantities, and are left out."""
    start, end = bounds(period)
    rows = (
        records.filter(started_at__gte=start, started_at__lt=end, kind__in=list(_DAY_COLUMN))
        .annotate(day=TruncDate("started_at", tzinfo=start.tzinfo))
        .values("day", "kind")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    days = {}
    day = period
    while day < next_period(period):
        days[day] = Day(day)
        day += dt.timedelta(days=1)
    for row in rows:
        found = days.get(row["day"])
        if found is not None:
            setattr(found, _DAY_COLUMN[row["kind"]], row["quantity"] or ZERO)
    return list(days.values())


# --- one line's bundles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """One of a line's own bundles in a period: what it used of it, what its group bundle gave,
    and all it used of that kind (including what went out of bundle)."""

    kind: str
    label: Any
    unit: Any
    allowance: Decimal | None  # None: unlimited
    in_bundle: Decimal
    in_pool: Decimal
    used: Decimal

    @property
    def unlimited(self) -> bool:
        return self.allowance is None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.allowance is None else max(self.allowance - self.in_bundle, ZERO)

    @property
    def percent(self) -> int:
        """Share of the bundle used, 0..100 (an empty bundle is 100 % used)."""
        if self.allowance is None:
            return 0
        if self.allowance <= 0:
            return 100
        return min(int(self.in_bundle * 100 / self.allowance), 100)

    @property
    def beyond(self) -> Decimal:
        """What was used beyond the bundle and the group bundle (out of bundle or refused)."""
        return max(self.used - self.in_bundle - self.in_pool, ZERO)


BUNDLE_KINDS: tuple[tuple[str, Any, Any], ...] = (
    ("data", gettext_lazy("Mobile data"), gettext_lazy("MB")),
    ("voice", gettext_lazy("Calls"), gettext_lazy("minutes")),
    ("sms", gettext_lazy("SMS"), gettext_lazy("SMS")),
)


def _sum(values: Iterable[int | None]) -> int | None:
    """Bundles add up; one unlimited (None) makes the sum unlimited."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def own_allowances(line: Line) -> tuple[int | None, int | None, int | None]:
    """The line's plan and options as they are now (data MB, minutes, SMS): what a period not
    rated yet will have, as rating adds them up."""
    bundles = [line.plan, *line.options.all()]
    return (
        _sum(b.data_mb for b in bundles),
        _sum(b.voice_minutes for b in bundles),
        _sum(b.sms for b in bundles),
    )


@dataclass(frozen=True)
class LineUsage:
    """A line's usage in one period, read from its counter (none yet: nothing used)."""

    line: Line
    period: dt.date
    counter: UsageCounter | None
    allowances: list[Allowance] = field(default_factory=list)
    days_left: int = 0

    @property
    def out_of_bundle_eur(self) -> Decimal:
        return self.counter.out_of_bundle_eur if self.counter else ZERO

    @property
    def third_party_eur(self) -> Decimal:
        return self.counter.third_party_eur if self.counter else ZERO

    @property
    def mms(self) -> Decimal:
        return self.counter.mms if self.counter else ZERO

    @property
    def refused(self) -> int:
        return self.counter.refused if self.counter else 0


def line_usage(line: Line, period: dt.date, counter: UsageCounter | None) -> LineUsage:
    if counter is not None:
        allowed: tuple[int | None, ...] = (
            counter.allowance_data_mb,
            counter.allowance_voice_minutes,
            counter.allowance_sms,
        )
        parts = [
            (counter.data_bundle_mb, counter.data_pool_mb, counter.data_mb),
            (counter.voice_bundle_seconds, counter.voice_pool_seconds, counter.voice_seconds),
            (counter.sms_bundle, counter.sms_pool, counter.sms),
        ]
    else:
        allowed = own_allowances(line)
        parts = [(ZERO, ZERO, ZERO)] * 3
    allowances = []
    for (kind, label, unit), allowance, (in_bundle, in_pool, used) in zip(BUNDLE_KINDS, allowed, parts, strict=True):
        divisor = SECONDS_PER_MINUTE if kind == "voice" else Decimal(1)
        allowances.append(
            Allowance(
                kind=kind,
                label=label,
                unit=unit,
                allowance=None if allowance is None else Decimal(allowance),
                in_bundle=in_bundle / divisor,
                in_pool=in_pool / divisor,
                used=used / divisor,
            )
        )
    left = days_left(period) if period == current_period() else 0
    return LineUsage(line=line, period=period, counter=counter, allowances=allowances, days_left=left)


# --- the manager's page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyReport:
    """What the usage page shows for a period, and its exports write: the totals, per billing
    account and tag, the days, the top lines and the last months' out-of-bundle cost."""

    period: dt.date
    totals: Totals
    accounts: list[Group]
    tags: list[Group]
    days: list[Day]
    top_data: list[Ranked]
    top_cost: list[Ranked]
    months: list[tuple[dt.date, Decimal]]
    counters: QuerySet[UsageCounter]  # the period's, one per line with usage


def company_report(counters: QuerySet[UsageCounter], records: QuerySet[UsageRecord], period: dt.date) -> CompanyReport:
    """`counters` and `records`: the actor's, narrowed to the lines shown (any period)."""
    shown = counters.filter(period=period)
    return CompanyReport(
        period=period,
        totals=totals(shown),
        accounts=by_account(shown),
        tags=by_tag(shown),
        days=daily(records, period),
        top_data=top_lines(shown, "data_mb"),
        top_cost=top_lines(shown, "out_of_bundle_eur"),
        months=cost_per_period(counters, previous_periods(period, COST_MONTHS)),
        counters=shown,
    )
