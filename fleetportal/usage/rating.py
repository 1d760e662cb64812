"""Rating usage records (F-55, F-41, F-50): each record of a (line, period) priced against the
line's bundles, its group bundle and the catalogue's rates, or refused; then the line's and the
pool's counters rebuilt from the rated records.

Rating is a function of the records of a period, never of their order of arrival: a period is
rated as a whole, its records in (`started_at`, `record_id`) order, in one set-based UPDATE whose
window functions (cumulative sums, SQLite ≥ 3.25 and PostgreSQL) give each record what was left
of the pool and then of the line's own bundle when it started. A late record, a file ingested
twice or in pieces, or a re-rating after a plan change all end with the same records and the
same counters. The lines of a pool are rated together (they share it); `scope_lines` adds them.

What a record is rated with:
- the line's plan and options in force when the record started (`fleet.product_spans`, the
  line's history of them; a record before its first row takes the first row, a line without
  history its present products): the plan's rates, and the bundle of the plan and options
  (their allowances add up; one unlimited makes the sum unlimited). The allowance in force at
  a record's time is compared with the line's usage of the period before it, so after an
  upgrade mid-month the bigger bundle applies, the usage before it counted; after a downgrade
  what the usage already passed is gone. Re-rating a period after a later plan change gives
  the same prices and counters: the history, not the present plan, decides;
- the group bundle the line was a member of at the record's time (memberships have dates);
- which usage draws from them: data, outgoing calls and outgoing SMS, national or EU (roam like
  at home); MMS, incoming traffic, the world zones and international calls never do and are
  priced at the rate of their kind, zone and direction (`catalog.UsageRate`, a plan's own rate
  before the list rate);
- refusals: a `LineBlock` for one of the record's services set before the record started
  (`services_for`), PayByMobile "blocked" for third-party charges, and a third-party charge
  that would take the period's accepted charges over the line's PayByMobile limit.

The quantities are split so that pool + bundle + out + refused = quantity, each record keeping
its plan, pool, unit price, outcome and price (an invoice explains itself line by line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from fleetportal.bundles.models import GroupBundle, GroupBundleMember
from fleetportal.catalog.models import BUNDLE_ZONES, ROAMING_ZONES, Direction, Option, TariffPlan, UsageRate, UsageZone
from fleetportal.fleet.models import Line, LineBlock, Service
from fleetportal.fleet.product_spans import Span, product_spans

from . import partitions
from .models import UsageCounter, UsageRecord
from .periods import bounds

Kind, Outcome, Refusal = UsageRecord.Kind, UsageRecord.Outcome, UsageRecord.Refusal
SECONDS_PER_MINUTE = 60
DRAWING_KINDS = frozenset({Kind.DATA, Kind.VOICE, Kind.SMS})  # the kinds bundles include
RATED_KINDS = (Kind.VOICE, Kind.SMS, Kind.MMS, Kind.DATA)
BATCH_RECORDS = 100_000  # records rated by one statement (`batches`)
ANALYZE_ABOVE = 50_000  # records in a rating from which the records' statistics are refreshed
LOCK_CLASS = 0x7553  # PostgreSQL advisory lock space of rating ("uS"), one lock per period


def services_for(kind: str, zone: str, direction: str) -> frozenset[str]:
    """The blockable services (F-40) a record of this kind, zone and direction belongs to: a
    block of any of them refuses it."""
    roaming = zone in ROAMING_ZONES
    out = direction == Direction.OUT
    services = {Service.ALL}
    if roaming:
        services.add(Service.ROAMING_ALL)
    if kind == Kind.VOICE:
        services.add(Service.CALLS_OUT if out else Service.CALLS_IN)
        if roaming:
            services.add(Service.ROAMING_CALLS_OUT if out else Service.ROAMING_CALLS_IN)
        if zone == UsageZone.INTERNATIONAL and out:
            services.add(Service.INTERNATIONAL)
    elif kind == Kind.SMS:
        services.add(Service.SMS_OUT if out else Service.SMS_IN)
        if roaming:
            services.add(Service.ROAMING_SMS)
    elif kind == Kind.MMS:
        services.add(Service.MMS)
    elif kind == Kind.DATA:
        services.add(Service.DATA)
        if roaming:
            services.add(Service.ROAMING_DATA)
    return frozenset(services)


def draws_from_bundles(kind: str, zone: str, direction: str) -> bool:
    return kind in DRAWING_KINDS and zone in BUNDLE_ZONES and (kind == Kind.DATA or direction == Direction.OUT)


def _directions(kind: str) -> Sequence[str]:
    return Direction.values if kind in (Kind.VOICE, Kind.SMS, Kind.MMS) else [Direction.OUT]


def _combinations() -> list[tuple[str, str, str]]:
    return [(k, z, d) for k in (*RATED_KINDS, Kind.THIRD_PARTY) for z in UsageZone.values for d in _directions(k)]


@dataclass
class Rated:
    """What a rating touched, per customer: the lines and pools whose counters it rebuilt."""

    lines: dict[int, set[int]] = field(default_factory=dict)
    pools: dict[int, set[int]] = field(default_factory=dict)

    def customers(self) -> list[int]:
        return sorted(self.lines.keys() | self.pools.keys())


# --- scope -------------------------------------------------------------------------------------


def scope_lines(period: dt.date, line_ids: Iterable[int] | None, customer_id: int | None = None) -> set[int]:
    """The lines to rate for `period`: these (None: every line with records in the period, of
    `customer_id` when given), with every line that shared a pool with one of them in the period."""
    start, end = bounds(period)
    if line_ids is None:
        records = UsageRecord.objects.filter(period=period, started_at__gte=start, started_at__lt=end)
        if customer_id is not None:
            records = records.filter(customer_id=customer_id)
        lines = set(records.values_list("line_id", flat=True).distinct())
    else:
        lines = set(line_ids)
    during = Q(joined_at__lt=end) & (Q(left_at__isnull=True) | Q(left_at__gt=start))
    while True:
        pools = GroupBundleMember.objects.filter(during, line_id__in=lines).values("pool_id")
        more = set(GroupBundleMember.objects.filter(during, pool_id__in=pools).values_list("line_id", flat=True))
        if more <= lines:
            return lines
        lines |= more


def record_counts(period: dt.date, lines: set[int] | None = None, customer_id: int | None = None) -> dict[int, int]:
    """line → its records in `period`: of these lines (None: every line with records in it, of
    `customer_id` when given)."""
    start, end = bounds(period)
    records = UsageRecord.objects.filter(period=period, started_at__gte=start, started_at__lt=end)
    if lines is not None:
        records = records.filter(line_id__in=lines)
    if customer_id is not None:
        records = records.filter(customer_id=customer_id)
    return dict(records.values_list("line_id").annotate(n=Count("id")).values_list("line_id", "n"))


def batches(
    period: dt.date, lines: set[int], size: int, counts: dict[int, int] | None = None
) -> list[tuple[set[int], int]]:
    """The scope's lines in groups of about `size` records of the period, the lines that shared
    a pool in the period always in the same group: each group is rated by its own statements,
    whose sorts stay small (a million records sorted at once spill to disk). Each group comes
    with its number of records (`counts`: the lines' records, when already counted)."""
    start, end = bounds(period)
    parent = {line: line for line in lines}

    def root(line: int) -> int:
        while parent[line] != line:
            parent[line] = parent[parent[line]]
            line = parent[line]
        return line

    first_of_pool: dict[int, int] = {}
    for line_id, pool_id in GroupBundleMember.objects.filter(
        Q(left_at__isnull=True) | Q(left_at__gt=start), line_id__in=lines, joined_at__lt=end
    ).values_list("line_id", "pool_id"):
        other = first_of_pool.setdefault(pool_id, line_id)
        parent[root(line_id)] = root(other)
    if counts is None:
        counts = record_counts(period, lines)
    groups: dict[int, set[int]] = {}
    for line in lines:
        groups.setdefault(root(line), set()).add(line)
    packed: list[tuple[set[int], int]] = []
    current: set[int] = set()
    records = 0
    for group in sorted(groups.values(), key=min):
        weight = sum(counts.get(line, 0) for line in group)
        if current and records + weight > size:
            packed.append((current, records))
            current, records = set(), 0
        current |= group
        records += weight
    if current:
        packed.append((current, records))
    return packed


# --- the scratch tables the UPDATE joins ---------------------------------------------------------


def _sum(values: Iterable[int | None]) -> int | None:
    """Allowances add up; one unlimited (None) makes the sum unlimited."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _times(value: int | None, factor: int) -> int | None:
    return None if value is None else value * factor


OUT = "rating_out"  # the scratch table of the records' new ratings
_OUT_COLUMNS = (
    "id, line_id, started_at, record_id, kind, quantity, amount, rated_plan_id, pool_id, unit_price, outcome,"
    " refusal, pool_quantity, bundle_quantity, out_quantity, refused_quantity, price"
)


class _Scratch:
    """Temporary tables of one rating (dropped with the connection, emptied before each use)."""

    TABLES = {
        "rating_lines": "line_id bigint, customer_id bigint, data_mb bigint, voice_minutes bigint, sms bigint,"
        " paybymobile text, cap numeric",
        "rating_products": "line_id bigint, since timestamp, until timestamp, plan_id bigint, data_mb bigint,"
        " voice_seconds bigint, sms bigint, paybymobile text",
        "rating_tariffs": "plan_id bigint, kind text, zone text, direction text, unit_price numeric, per integer,"
        " draws integer",
        "rating_blocks": "line_id bigint, kind text, zone text, direction text, since timestamp",
        "rating_pools": "line_id bigint, pool_id bigint, since timestamp, until timestamp, data_mb bigint,"
        " voice_seconds bigint, sms bigint",
        "rating_pool_list": "pool_id bigint, customer_id bigint, data_mb bigint, voice_minutes bigint, sms bigint",
    }

    # Filled for one batch of lines at a time; the others (the lines' settings, the pools and
    # the ratings) gather every batch's rows, for one UPDATE of the records and one pass of
    # the counters after the last batch.
    PER_BATCH = ("rating_products", "rating_tariffs", "rating_blocks", "rating_pools")

    def __init__(self, cursor: Any):
        self.cursor = cursor
        postgres = connection.vendor == "postgresql"
        for name, columns in self.TABLES.items():
            if postgres:
                columns = columns.replace("timestamp", "timestamptz")
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})")
        # The ratings as the records will hold them: the records' own column types, so that
        # a value is rounded here as it is when stored, and compared and summed as stored.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {OUT} AS SELECT {_OUT_COLUMNS} FROM usage_usagerecord WHERE 1 = 0"  # noqa: S608
        )
        for name in (*self.TABLES, OUT):
            cursor.execute(f"DELETE FROM {name}")  # noqa: S608

    def next_batch(self) -> None:
        for name in self.PER_BATCH:
            self.cursor.execute(f"DELETE FROM {name}")  # noqa: S608

    def fill(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            marks = ", ".join(["%s"] * len(rows[0]))
            self.cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)  # noqa: S608
        # The planner's figures for it: a few lines are then read through the records' index
        # on (line, started_at), not by a scan of the whole period.
        self.cursor.execute(f"ANALYZE {name}")


Allowances = tuple[int | None, int | None, int | None]  # data MB, voice minutes, SMS (None: unlimited)


def _allowances(spans: Iterable[Span]) -> dict[tuple[int, tuple[int, ...]], Allowances]:
    """The bundle of each (plan, options) of these spans: the plan's and options' allowances added."""
    spans = list(spans)
    plans = {
        pk: (data, voice, sms)
        for pk, data, voice, sms in TariffPlan.objects.filter(pk__in={s[2] for s in spans}).values_list(
            "pk", "data_mb", "voice_minutes", "sms"
        )
    }
    options = {
        pk: (data, voice, sms)
        for pk, data, voice, sms in Option.objects.filter(pk__in={o for s in spans for o in s[3]}).values_list(
            "pk", "data_mb", "voice_minutes", "sms"
        )
    }
    bundles: dict[tuple[int, tuple[int, ...]], Allowances] = {}
    for _since, _until, plan_id, option_ids in spans:
        key = (plan_id, tuple(option_ids))
        if key not in bundles:
            parts = [plans[plan_id], *(options[o] for o in option_ids if o in options)]
            data, voice, sms = (_sum(part[n] for part in parts) for n in range(3))
            bundles[key] = (data, voice, sms)
    return bundles


def _fill_lines(
    scratch: _Scratch, lines: set[int], start: dt.datetime, end: dt.datetime
) -> tuple[dict[int, int], set[int]]:
    """rating_products: each line's spans of products in the period, with their plan and bundle
    (and the line's PayByMobile setting, so that the records join one table); rating_lines: each
    line's PayByMobile limit and the bundle in force at the end of the period (the counters'
    allowances). Answers line → customer and the plans of the spans."""
    adapt = connection.ops.adapt_datetimefield_value
    spans = product_spans(lines, start, end)
    bundles = _allowances(span for line_spans in spans.values() for span in line_spans)
    products, rows, customers = [], [], {}
    for pk, customer_id, paybymobile, cap in Line.objects.filter(pk__in=lines).values_list(
        "pk", "customer_id", "paybymobile", "paybymobile_cap"
    ):
        for since, until, plan_id, option_ids in spans[pk]:
            data, voice, sms = bundles[(plan_id, tuple(option_ids))]
            products.append(
                (pk, adapt(since), adapt(until), plan_id, data, _times(voice, SECONDS_PER_MINUTE), sms, paybymobile)
            )
        data, voice, sms = bundles[(spans[pk][-1][2], tuple(spans[pk][-1][3]))]
        rows.append((pk, customer_id, data, voice, sms, paybymobile, cap))
        customers[pk] = customer_id
    scratch.fill("rating_products", products)
    scratch.fill("rating_lines", rows)
    return customers, {span[2] for line_spans in spans.values() for span in line_spans}


def _fill_tariffs(scratch: _Scratch, plans: set[int]) -> None:
    """rating_tariffs: for each plan of the scope and each kind/zone/direction, the unit price
    (the plan's own rate, else the list rate, else 0), its divisor and whether it draws."""
    rates: dict[tuple[int | None, str, str, str], Decimal] = {
        (plan_id, kind, zone, direction): price
        for plan_id, kind, zone, direction, price in UsageRate.objects.filter(
            Q(plan__isnull=True) | Q(plan_id__in=plans)
        ).values_list("plan_id", "kind", "zone", "direction", "unit_price")
    }
    rows = []
    for plan in plans:
        for kind, zone, direction in _combinations():
            if kind == Kind.THIRD_PARTY:
                continue
            price = rates.get((plan, kind, zone, direction), rates.get((None, kind, zone, direction), Decimal(0)))
            per = SECONDS_PER_MINUTE if kind == Kind.VOICE else 1
            rows.append((plan, kind, zone, direction, price, per, int(draws_from_bundles(kind, zone, direction))))
    scratch.fill("rating_tariffs", rows)


def _fill_blocks(scratch: _Scratch, lines: set[int]) -> None:
    """rating_blocks: for each scope line and kind/zone/direction it has a block for, since when
    (the earliest of the blocks of its services)."""
    adapt = connection.ops.adapt_datetimefield_value
    blocks: dict[int, list[tuple[str, dt.datetime]]] = {}
    for line_id, service, since in LineBlock.objects.filter(line_id__in=lines).values_list(
        "line_id", "service", "created_at"
    ):
        blocks.setdefault(line_id, []).append((service, since))
    rows = []
    for line_id, services in blocks.items():
        for kind, zone, direction in _combinations():
            matching = services_for(kind, zone, direction)
            times = [since for service, since in services if service in matching]
            if times:
                rows.append((line_id, kind, zone, direction, adapt(min(times))))
    scratch.fill("rating_blocks", rows)


def _fill_pools(scratch: _Scratch, lines: set[int], start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    """rating_pools: each membership of a scope line in the period, clipped to its pool's life,
    with the pool's allowances; rating_pool_list: each of these pools once. pool → customer."""
    adapt = connection.ops.adapt_datetimefield_value
    members = (
        GroupBundleMember.objects.filter(line_id__in=lines, joined_at__lt=end)
        .filter(Q(left_at__isnull=True) | Q(left_at__gt=start))
        .values_list("line_id", "pool_id", "joined_at", "left_at")
    )
    pools = {
        pool.pk: pool
        for pool in GroupBundle.objects.filter(pk__in={m[1] for m in members}).select_related("offer__offer")
    }
    rows = []
    for line_id, pool_id, joined, left in members:
        pool = pools[pool_id]
        offer = pool.offer.offer
        since = max(joined, pool.started_at)
        until = min(t for t in (left, pool.ended_at) if t is not None) if (left or pool.ended_at) else None
        rows.append(
            (
                line_id,
                pool_id,
                adapt(since),
                adapt(until) if until else None,
                offer.data_mb,
                _times(offer.voice_minutes, SECONDS_PER_MINUTE),
                offer.sms,
            )
        )
    scratch.fill("rating_pools", rows)
    scratch.fill(
        "rating_pool_list",
        [
            (p.pk, p.customer_id, p.offer.offer.data_mb, p.offer.offer.voice_minutes, p.offer.offer.sms)
            for p in pools.values()
        ],
    )
    return {pk: pool.customer_id for pk, pool in pools.items()}


# --- the rating UPDATE -------------------------------------------------------------------------


def _clamp(value: str, top: str) -> str:
    """`value` kept within [0, top] (the part of a record a remaining allowance covers)."""
    return f"CASE WHEN {value} <= 0 THEN 0 WHEN {value} >= {top} THEN {top} ELSE {value} END"


_BY_KIND = "CASE r.kind WHEN 'data' THEN {0}.data_mb WHEN 'voice' THEN {0}.voice_seconds WHEN 'sms' THEN {0}.sms END"
# Record ids compare byte by byte (`/*C*/` becomes COLLATE "C" on PostgreSQL; SQLite's
# default is binary): the same order on both, and no linguistic collation in the sorts.
_ORDER = "ORDER BY started_at, record_id/*C*/ ROWS UNBOUNDED PRECEDING"
_POOL_WINDOW = f"SUM(draw) OVER (PARTITION BY pool_id, kind {_ORDER}) - draw"

# Each level adds what the next needs; the window sums run over the records that draw (`draw`
# is 0 for the others), the pool's over its member lines, the bundle's over the line alone.
_RATED = f"""
SELECT id, line_id, started_at, record_id, kind, quantity, amount, plan_id, pool_id, unit_price,
    CASE WHEN refusal <> '' THEN 'refused' WHEN kind = 'third_party' THEN 'charged'
         WHEN out_qty > 0 AND unit_price > 0 THEN 'out_of_bundle'
         WHEN pool_qty + bundle_qty > 0 THEN 'in_bundle' ELSE 'free' END AS outcome, refusal,
    pool_qty, bundle_qty, out_qty, refused_qty,
    CASE WHEN kind = 'third_party' THEN CASE WHEN refusal = '' THEN amount ELSE 0 END
         ELSE ROUND(out_qty * COALESCE(unit_price, 0) / COALESCE(per, 1), 4) END AS price
FROM (
  SELECT o.*,
    CASE WHEN refusal <> '' THEN 0 ELSE quantity - pool_qty - bundle_qty END AS out_qty,
    CASE WHEN refusal <> '' THEN quantity ELSE 0 END AS refused_qty
  FROM (
    SELECT b.*, CASE WHEN rest = 0 THEN 0 WHEN own_allow IS NULL THEN rest
                     ELSE {_clamp("own_allow - (own_before)", "rest")} END AS bundle_qty
    FROM (
      SELECT p.*, SUM(rest) OVER (PARTITION BY line_id, kind {_ORDER}) - rest AS own_before
      FROM (
        SELECT q.*, draw - pool_qty AS rest
        FROM (
          SELECT c.*, CASE WHEN draw = 0 OR pool_id IS NULL THEN 0 WHEN pool_allow IS NULL THEN draw
                           ELSE {_clamp("pool_allow - pool_before", "draw")} END AS pool_qty
          FROM (
            SELECT d.*, {_POOL_WINDOW} AS pool_before
            FROM (
              SELECT e.*, CASE WHEN refusal = '' AND draws = 1 THEN quantity ELSE 0 END AS draw
              FROM (
                SELECT r.id, r.line_id, r.started_at, r.record_id, r.kind, r.quantity, r.amount,
                  l.plan_id, m.pool_id, t.unit_price, t.per, t.draws,
                  {_BY_KIND.format("l")} AS own_allow, {_BY_KIND.format("m")} AS pool_allow,
                  CASE WHEN k.since <= r.started_at THEN 'blocked'
                       WHEN r.kind = 'third_party' AND l.paybymobile = 'blocked' THEN 'paybymobile'
                       ELSE '' END AS refusal
                FROM usage_usagerecord r
                JOIN rating_products l ON l.line_id = r.line_id AND l.since <= r.started_at AND l.until > r.started_at
                LEFT JOIN rating_tariffs t ON t.plan_id = l.plan_id AND t.kind = r.kind AND t.zone = r.zone
                     AND t.direction = r.direction
                LEFT JOIN rating_blocks k ON k.line_id = r.line_id AND k.kind = r.kind AND k.zone = r.zone
                     AND k.direction = r.direction
                LEFT JOIN rating_pools m ON m.line_id = r.line_id AND m.since <= r.started_at
                     AND (m.until IS NULL OR m.until > r.started_at)
                WHERE r.period = %s AND r.started_at >= %s AND r.started_at < %s
              ) e
            ) d
          ) c
        ) q
      ) p
    ) b
  ) o
) x
"""  # noqa: S608  (the same: constant SQL)

# Each batch of lines adds its records' ratings to `rating_out`: the reads of a batch go by
# the records' (line, started_at) index, its sorts stay in memory.
_RATE = f"INSERT INTO {OUT} ({_OUT_COLUMNS}) {_RATED}"
# A batch of lines without a pool needs no pool window (and no sort of the records for it).
_RATE_WITHOUT_POOLS = _RATE.replace(_POOL_WINDOW, "0")

# Then one UPDATE writes them, after the last batch: the lines' records lie all over the
# period's pages, so an UPDATE per batch rewrote (and, past shared_buffers, wrote out) every
# page once per batch; one UPDATE joined by hash visits each page once, in the table's order.
# Only the records whose rating changed are written: re-rating a period after a late record
# or a retried file rewrites the few records it moved, not the month (`rated_at` is when a
# record last got its present rating).
_CHANGED = (
    "rated_plan_id", "pool_id", "unit_price", "outcome", "refusal", "pool_quantity", "bundle_quantity",
    "out_quantity", "refused_quantity", "price",
)  # fmt: skip
_UPDATE = f"""
UPDATE usage_usagerecord AS u SET {", ".join(f"{c} = x.{c}" for c in _CHANGED)}, rated_at = %s
FROM {OUT} AS x WHERE u.period = %s AND u.id = x.id
    AND ({" OR ".join(f"u.{c} IS DISTINCT FROM x.{c}" for c in _CHANGED)})
"""  # noqa: S608  (no value is formatted in: the table names are the models')

_CAPPED = (
    f"SELECT x.id, x.line_id, x.amount, l.cap FROM {OUT} x JOIN rating_lines l ON l.line_id = x.line_id"  # noqa: S608
    " WHERE x.kind = 'third_party' AND l.paybymobile = 'capped' AND x.refusal = ''"
    " ORDER BY x.line_id, x.started_at, x.record_id/*C*/"
)
_REFUSE = f"UPDATE {OUT} SET outcome = 'refused', refusal = 'paybymobile_cap', price = 0 WHERE id IN ({{}})"  # noqa: S608
_IDS_PER_STATEMENT = 500


def _collate_c() -> str:
    return ' COLLATE "C"' if connection.vendor == "postgresql" else ""


def _apply_caps(cursor: Any) -> None:
    """PayByMobile limits (F-41): a capped line's third-party charges in order, each accepted
    while the accepted total stays within the cap, else refused (and not counted against it).
    Sequential by nature, so done here; only capped lines' charges are read. On the ratings
    before they are written, so a refused charge is written once."""
    cursor.execute(_CAPPED.replace("/*C*/", _collate_c()))
    refused: list[int] = []
    line, total = None, Decimal(0)
    for pk, line_id, amount, cap in cursor.fetchall():
        if line_id != line:
            line, total = line_id, Decimal(0)
        amount, limit = Decimal(str(amount)), Decimal(str(cap or 0))  # a limit without amount allows nothing
        if total + amount > limit:
            refused.append(pk)
        else:
            total += amount
    for n in range(0, len(refused), _IDS_PER_STATEMENT):
        ids = refused[n : n + _IDS_PER_STATEMENT]
        cursor.execute(_REFUSE.format(", ".join(["%s"] * len(ids))), ids)


# --- counters ----------------------------------------------------------------------------------


def _part(kind: str, column: str) -> str:
    return f"SUM(CASE WHEN r.kind = '{kind}' THEN r.{column} ELSE 0 END)"


_COUNTER_COLUMNS = (
    "records, data_mb, data_bundle_mb, data_pool_mb, voice_seconds, voice_bundle_seconds, voice_pool_seconds,"
    " sms, sms_bundle, sms_pool, mms, out_of_bundle_eur, third_party_eur, refused, allowance_data_mb,"
    " allowance_voice_minutes, allowance_sms, updated_at"
)
_USED = "r.quantity - r.refused_quantity"
_LINE_COUNTERS = f"""
INSERT INTO usage_usagecounter (line_id, customer_id, period, {_COUNTER_COLUMNS})
SELECT l.line_id, l.customer_id, %s, COUNT(*),
    SUM(CASE WHEN r.kind = 'data' THEN {_USED} ELSE 0 END), {_part("data", "bundle_quantity")},
    {_part("data", "pool_quantity")},
    SUM(CASE WHEN r.kind = 'voice' THEN {_USED} ELSE 0 END), {_part("voice", "bundle_quantity")},
    {_part("voice", "pool_quantity")},
    SUM(CASE WHEN r.kind = 'sms' THEN {_USED} ELSE 0 END), {_part("sms", "bundle_quantity")},
    {_part("sms", "pool_quantity")},
    SUM(CASE WHEN r.kind = 'mms' THEN {_USED} ELSE 0 END),
    SUM(CASE WHEN r.kind <> 'third_party' THEN r.price ELSE 0 END),
    SUM(CASE WHEN r.kind = 'third_party' THEN r.price ELSE 0 END),
    SUM(CASE WHEN r.outcome = 'refused' THEN 1 ELSE 0 END),
    MAX(l.data_mb), MAX(l.voice_minutes), MAX(l.sms), %s
FROM rating_lines l, {OUT} r
WHERE r.line_id = l.line_id
GROUP BY l.line_id, l.customer_id
ON CONFLICT (line_id, period) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in _COUNTER_COLUMNS.split(", "))}
"""  # noqa: S608

_POOL_COLUMNS = "data_mb, voice_seconds, sms, out_of_bundle_eur, allowance_data_mb, allowance_voice_minutes,"
_POOL_COLUMNS += " allowance_sms, updated_at"
_POOL_COUNTERS = f"""
INSERT INTO usage_poolcounter (pool_id, customer_id, period, {_POOL_COLUMNS})
SELECT g.pool_id, g.customer_id, %s,
    COALESCE({_part("data", "pool_quantity")}, 0), COALESCE({_part("voice", "pool_quantity")}, 0),
    COALESCE({_part("sms", "pool_quantity")}, 0),
    COALESCE(SUM(CASE WHEN r.kind <> 'third_party' THEN r.price ELSE 0 END), 0),
    MAX(g.data_mb), MAX(g.voice_minutes), MAX(g.sms), %s
FROM rating_pool_list g LEFT JOIN usage_usagerecord r ON r.pool_id = g.pool_id
     AND r.period = %s AND r.started_at >= %s AND r.started_at < %s
WHERE true
GROUP BY g.pool_id, g.customer_id
ON CONFLICT (pool_id, period) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in _POOL_COLUMNS.split(", "))}
"""  # noqa: S608


def rate(period: dt.date, line_ids: Iterable[int] | None = None, customer_id: int | None = None) -> Rated:
    """Rate `period` for these lines (None: all with records in it, of `customer_id` if given)
    and the lines sharing their pools; rebuild their counters. Call inside a transaction."""
    counts = None
    if line_ids is None:  # the lines with records, counted once for the scope and the batches
        counts = record_counts(period, customer_id=customer_id)
        line_ids = counts.keys()  # (a pool's line of another customer weighs 0 in the batches, rated all the same)
    lines = scope_lines(period, line_ids)
    rated = Rated()
    if not lines:
        return rated
    start, end = bounds(period)
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    # Every statement names the period too: on PostgreSQL it reads and writes its partition only.
    span: list[Any] = [period, adapt(start), adapt(end)]
    customers: dict[int, int] = {}
    pools: dict[int, int] = {}
    groups = batches(period, lines, BATCH_RECORDS, counts)
    collate = _collate_c()
    pooled, unpooled = _RATE.replace("/*C*/", collate), _RATE_WITHOUT_POOLS.replace("/*C*/", collate)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if sum(records for _, records in groups) > ANALYZE_ABOVE:
                # Fresh planner figures for the records just ingested (autovacuum may not have
                # sampled them yet): without them the UPDATE joins a million rows one by one.
                # The period's partition only (the whole table's would sample every month).
                cursor.execute(f"ANALYZE {partitions.holding(period)}")
            # The window sorts stay in memory; one statement run once gains nothing from JIT
            # compilation (over a second of it on a million records).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            # The tariffs and blocks are a few hundred rows: hashed, not a sort of the records.
            cursor.execute("SET LOCAL enable_mergejoin = off")
            # Two workers rating the same period (two files of it) take turns: the second
            # computes its window sums from the records and counters the first committed.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, period.year * 100 + period.month])
        scratch = _Scratch(cursor)
        for batch, _ in groups:
            scratch.next_batch()
            batch_customers, plans = _fill_lines(scratch, batch, start, end)
            customers |= batch_customers
            _fill_tariffs(scratch, plans)
            _fill_blocks(scratch, batch)
            batch_pools = _fill_pools(scratch, batch, start, end)
            pools |= batch_pools
            cursor.execute(pooled if batch_pools else unpooled, span)
        cursor.execute(f"ANALYZE {OUT}")  # its size decides between a hash join and one lookup a record
        _apply_caps(cursor)
        cursor.execute(_UPDATE, [adapt(now), period])
        cursor.execute(_LINE_COUNTERS, [period, adapt(now)])
        cursor.execute(_POOL_COUNTERS, [period, adapt(now), *span])
    # Counters of scope lines left without records in the period (moved to another line? a
    # record is never deleted, but a re-rating must not leave a stale row) go.
    UsageCounter.objects.filter(period=period, line_id__in=lines).exclude(updated_at=now).delete()
    for line_id, customer in customers.items():
        rated.lines.setdefault(customer, set()).add(line_id)
    for pool_id, customer in pools.items():
        rated.pools.setdefault(customer, set()).add(pool_id)
    return rated
