"""Six months of usage for the demo's Acme lines (issue 7 "Demo"), through the normal pipeline.

The story, so every usage page, alert and refusal has something to show:
- most lines are office workers (a few data sessions, calls and SMS a day), the data plans'
  lines and some others heavy data users, a few roamers in the EU and beyond;
- some lines on small bundles go over them every month (their out-of-bundle notification set,
  so the managers' e-mails are in the outbox);
- one line has a PayByMobile cap its parking and app-store charges go over: the charge that
  would pass it is refused;
- one roamer has data abroad blocked: its data abroad is refused;
- a group bundle of 20 lines (ordered and filled by the bundles' own actions) they draw from
  first, with a notification amount;
- a few usage rules (the alerts' `rule_create`): notify beyond 120 % of the data bundle, at 90 %
  of the pool, block roaming or suspend beyond an amount out of bundle.

The limits and the block are set through the fleet's actions, the pool through the bundles';
since they are history, their start is then moved back to the first period. The records go
through `usage_ingest_records` like an API batch (one job, its chunks set-based), and the
`usage.ingested` event's consumers (rating, then whatever consumes `usage.rated`: alerts, rules)
run at once on the event channel, so the demo starts with rated counters and alerts sent.

Deterministic in the lines it picks and the records' shape (a seeded random); the times
follow the day the demo is loaded. Idempotent: a customer with usage records is left as it is.
The story lines of the current period get their whole month's story in the days elapsed, so
the current period shows it too; the others get the elapsed share of a month.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from fleetportal.alerts.actions_rules import RuleInput, rule_create
from fleetportal.alerts.models import UsageRule
from fleetportal.bundles.actions import pool_members_add, pool_order
from fleetportal.bundles.models import GroupBundle, GroupBundleMember
from fleetportal.catalog.models import ContractGroupBundle, UsageZone
from fleetportal.core import delivery
from fleetportal.core.actor import SYSTEM
from fleetportal.core.events import EVENTS_CHANNEL
from fleetportal.core.models import Customer
from fleetportal.fleet.actions import line_limits_change, lines_blocks_change
from fleetportal.fleet.models import Line, LineBlock, LineOption, Service, Tag
from fleetportal.usage.actions import usage_ingest_records, usage_job_create
from fleetportal.usage.models import IngestJob, UsageRecord

SEED = 55
MONTHS = 6  # the current period and the five before it
MEMBER_NUMBER = "+32470000003"  # the member's own line: an office worker, never a story line
POOL_SIZE = 20
POOL_OFFER = "group-data-50gb"
SMALL_BUNDLE_MB = 3 * 1024  # a line with this much data or less a month may go over it
DATA_PLANS = ("mobile-data-12", "mobile-data-20", "mobile-data-50")
PAYBYMOBILE_CAP = Decimal("25.00")
OUT_OF_BUNDLE_NOTIFY_AT = Decimal("10.00")
POOL_NOTIFY_AT = Decimal("25.00")
# Charges of the capped line each month: the 4th would take it over the cap, and so the 5th.
CAPPED_CHARGES = ("7.50", "6.00", "8.00", "4.50", "6.50")
MERCHANTS = ("4411 Parking", "Yellowbrick", "De Lijn SMS-ticket", "Google Play", "App Store")
EVENT_ROUNDS = 10  # ingest → rating → alerts: each round delivers the events the last one recorded


UNLIMITED_BASE_MB = 10 * 1024  # what "a share of the bundle" means on an unlimited plan
WORLD_DATA_DIVISOR = 25  # outside the EU people use data sparingly (2 EUR a MB)


@dataclass(frozen=True)
class Profile:
    """A month of one kind of user: how many records of each kind, and their sizes. Data is a
    share of a month's bundle (`base_mb`, else the line's plan), spread over the sessions."""

    data_sessions: int
    data_share: tuple[float, float]
    calls: int
    call_seconds: tuple[int, int]
    sms: int
    abroad: float = 0.0  # the share of records made abroad
    world: bool = False  # abroad outside the EU too (world zone 1)
    base_mb: int | None = None

    def session_mb(self, allowance: int | None) -> tuple[int, int]:
        """One session's size, from the line's monthly data `allowance` (None: unlimited)."""
        monthly = self.base_mb or allowance or UNLIMITED_BASE_MB
        low, high = self.data_share
        return max(1, int(monthly * low / self.data_sessions)), max(1, int(monthly * high / self.data_sessions))


OFFICE = Profile(8, (0.1, 0.6), 14, (40, 420), 6)
HEAVY = Profile(12, (0.55, 0.95), 8, (60, 300), 3)  # on a plan of 5 GB or more
DATA_ONLY = Profile(12, (0.3, 0.9), 0, (0, 0), 0)
ROAMER = Profile(9, (0.2, 0.5), 12, (60, 600), 6, abroad=0.5, world=True)
OVER_BUNDLE = Profile(10, (1.15, 1.45), 14, (60, 420), 6)
# A field service team: 20 lines at ~2.5 GB each, the 50 GB pool about used up each month; now
# and then abroad beyond the EU, priced out of bundle, so the pool's notification goes out.
POOLED = Profile(10, (0.85, 1.15), 12, (60, 420), 5, abroad=0.1, world=True, base_mb=2500)
BIG_BUNDLE_MB = 5 * 1024


@dataclass
class Story:
    """The Acme lines the demo's usage tells about, by the part they play."""

    lines: list[Line]
    data_mb: dict[int, int | None]  # each line's data a month: plan and options (None: unlimited)
    capped: Line
    blocked_roamer: Line
    roamers: set[int] = field(default_factory=set)
    over_bundle: list[Line] = field(default_factory=list)
    pooled: list[Line] = field(default_factory=list)
    heavy: set[int] = field(default_factory=set)
    third_party: set[int] = field(default_factory=set)

    def compressed(self, line: Line) -> bool:
        """Whether the line's whole month happens in the current period's elapsed days."""
        return line.pk in {self.capped.pk, self.blocked_roamer.pk, *(other.pk for other in self.over_bundle)}

    def profile(self, line: Line) -> Profile:
        if line.pk in self.roamers or line.pk == self.blocked_roamer.pk:
            return ROAMER
        if line in self.pooled:
            return POOLED
        if line in self.over_bundle:
            return OVER_BUNDLE
        if line.plan.code in DATA_PLANS:
            return DATA_ONLY
        return HEAVY if line.pk in self.heavy else OFFICE


def data_allowances(lines: Sequence[Line]) -> dict[int, int | None]:
    """Each line's data a month, its plan's and its options' together (None: unlimited)."""
    allowance: dict[int, int | None] = {line.pk: line.plan.data_mb for line in lines}
    for line_id, extra in LineOption.objects.filter(line__in=lines).values_list("line_id", "option__data_mb"):
        current = allowance[line_id]
        allowance[line_id] = None if current is None or extra is None else current + extra
    return allowance


def pick_story(
    lines: Sequence[Line], data_mb: dict[int, int | None], *, pool_size: int = POOL_SIZE, seed: int = SEED
) -> Story:
    """Choose who plays which part among these (active) lines, the same ones on every machine."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    cast = [line for line in sorted(lines, key=lambda line: line.msisdn) if line.msisdn != MEMBER_NUMBER]
    rng.shuffle(cast)
    voice = [line for line in cast if line.plan.code not in DATA_PLANS]
    small = [line for line in voice if (data_mb[line.pk] or SMALL_BUNDLE_MB + 1) <= SMALL_BUNDLE_MB]
    over = small[: max(1, len(small) // 12)]
    rest = [line for line in voice if line not in over]
    capped, blocked, *rest = rest
    roamers, rest = rest[:5], rest[5:]
    pooled, rest = rest[:pool_size], rest[pool_size:]
    big = [line for line in rest if (data_mb[line.pk] or BIG_BUNDLE_MB) >= BIG_BUNDLE_MB]
    return Story(
        lines=list(lines),
        data_mb=data_mb,
        capped=capped,
        blocked_roamer=blocked,
        roamers={line.pk for line in roamers},
        over_bundle=over,
        pooled=pooled,
        heavy={line.pk for line in big[: len(big) // 4]},
        third_party={line.pk for line in rest[:: max(1, len(rest) // 25)]},
    )


@dataclass(frozen=True)
class Span:
    """One period's window in UTC: from its start to `end` (now, for the current one); `full`
    is the whole month's length, for the share of a month the window covers."""

    start: dt.datetime
    end: dt.datetime
    full: dt.timedelta


def periods(now: dt.datetime, months: int = MONTHS) -> list[Span]:
    """The last `months` calendar months (local time), the current one ending now, oldest first."""
    local = timezone.localtime(now)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    spans = []
    for _ in range(months):
        following = (start + dt.timedelta(days=32)).replace(day=1)
        spans.append(Span(start.astimezone(dt.UTC), min(following, local).astimezone(dt.UTC), following - start))
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return spans[::-1]


class _Month:
    """The records of one line in one month: times within [start, end), ids numbered in order."""

    def __init__(self, rng: random.Random, line: Line, start: dt.datetime, end: dt.datetime):
        self.rng, self.line, self.start, self.end = rng, line, start, end
        self.prefix = f"DEMO-{line.pk}-{timezone.localtime(start):%Y%m}-"
        self.count = 0

    def moment(self) -> str:
        at = self.start + (self.end - self.start) * self.rng.random()
        daytime = at.replace(hour=self.rng.randint(7, 19), minute=self.rng.randrange(60))
        return (daytime if self.start <= daytime < self.end else at).isoformat()

    def record(self, kind: str, zone: str, **values: Any) -> dict[str, Any]:
        self.count += 1
        row = {"record_id": f"{self.prefix}{self.count}", "number": self.line.msisdn, "kind": kind, "zone": zone}
        row["started_at"] = self.moment()
        row.update(values)
        return row


def _zone(rng: random.Random, profile: Profile) -> str:
    if profile.abroad and rng.random() < profile.abroad:
        return UsageZone.WORLD_1 if profile.world and rng.random() < 0.4 else UsageZone.EU
    return UsageZone.NATIONAL


def _scaled(rng: random.Random, count: int, share: float) -> int:
    """`count` records of a full month for the `share` of it the window covers, rounded at random."""
    wanted = count * share
    return int(wanted) + (rng.random() < wanted - int(wanted))


def month_records(
    rng: random.Random, story: Story, line: Line, start: dt.datetime, end: dt.datetime, share: float
) -> Iterator[dict[str, Any]]:
    """One line's records in [start, end), `share` of a full month's."""
    profile, month = story.profile(line), _Month(rng, line, start, end)
    low, high = profile.session_mb(story.data_mb[line.pk])
    for _ in range(_scaled(rng, profile.data_sessions, share)):
        zone, quantity = _zone(rng, profile), rng.randint(low, high)
        if zone == UsageZone.WORLD_1:
            quantity = max(1, quantity // WORLD_DATA_DIVISOR)
        yield month.record("data", zone, quantity=quantity, unit="mb")
    for _ in range(_scaled(rng, profile.calls, share)):
        direction = "in" if rng.random() < 0.4 else "out"
        seconds = rng.randint(*profile.call_seconds)
        yield month.record("voice", _zone(rng, profile), quantity=seconds, unit="seconds", direction=direction)
    for _ in range(_scaled(rng, profile.sms, share)):
        direction = "in" if rng.random() < 0.3 else "out"
        yield month.record("sms", _zone(rng, profile), quantity=1, unit="messages", direction=direction)
    if line.pk == story.capped.pk:
        for amount in CAPPED_CHARGES:
            yield month.record("third_party", UsageZone.NATIONAL, amount=amount, merchant=rng.choice(MERCHANTS))
    elif line.pk in story.third_party and rng.random() < 0.6:
        amount = f"{rng.randint(150, 600) / 100:.2f}"
        yield month.record("third_party", UsageZone.NATIONAL, amount=amount, merchant=rng.choice(MERCHANTS))


def records(story: Story, now: dt.datetime, *, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """Every record of the story's lines over the last six periods, in time order by month."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    for span in periods(now):
        for line in story.lines:
            since = max(span.start, line.activated_at or span.start)
            if since >= span.end:
                continue
            share = 1.0 if story.compressed(line) else (span.end - since) / span.full
            yield from month_records(rng, story, line, since, span.end, min(share, 1.0))


def set_controls(story: Story, since: dt.datetime) -> None:
    """The capped line's PayByMobile cap, the over-bundle lines' notification amount, the
    blocked roamer's data abroad: through the fleet's actions, then dated from `since`."""
    line_limits_change(
        actor=SYSTEM, line=story.capped, paybymobile=Line.PayByMobile.CAPPED, paybymobile_cap=PAYBYMOBILE_CAP,
        out_of_bundle_notify_at=None,
    )  # fmt: skip
    for line in story.over_bundle:
        line_limits_change(
            actor=SYSTEM, line=line, paybymobile=line.paybymobile, paybymobile_cap=line.paybymobile_cap,
            out_of_bundle_notify_at=OUT_OF_BUNDLE_NOTIFY_AT,
        )  # fmt: skip
    lines_blocks_change(actor=SYSTEM, lines=[story.blocked_roamer], block=[Service.ROAMING_DATA])
    LineBlock.objects.filter(line=story.blocked_roamer).update(created_at=since)


def order_pool(customer: Customer, story: Story, since: dt.datetime) -> GroupBundle:
    """The group bundle of the pooled lines, ordered and filled by the bundles' actions, then
    dated from `since` (the pool and its memberships are six months old in the story)."""
    contract = customer.contracts.get()
    offer = ContractGroupBundle.objects.get(contract=contract, offer__code=POOL_OFFER)
    pool = pool_order(
        actor=SYSTEM, contract=contract, offer=offer, name="Field service", out_of_bundle_notify_at=POOL_NOTIFY_AT
    )
    pool_members_add(actor=SYSTEM, pool=pool, lines=story.pooled)
    GroupBundle.objects.filter(pk=pool.pk).update(started_at=since)
    GroupBundleMember.objects.filter(pool=pool).update(joined_at=since)
    return pool


def create_rules(customer: Customer, pool: GroupBundle) -> list[UsageRule]:
    """A few usage rules of the kind a fleet manager sets (issue 7, go beyond), made before the
    usage so the current period's rating evaluates them: the over-bundle lines set off the first."""
    Effect, Metric, Target = UsageRule.Effect, UsageRule.Metric, UsageRule.Target
    sales = Tag.objects.filter(customer=customer, name="Sales").first()
    wanted = [
        RuleInput(name="Data beyond 120 %", target=Target.COMPANY, metric=Metric.DATA_PCT, threshold=120,
                  effect=Effect.NOTIFY),
        RuleInput(name="Field service pool at 90 %", target=Target.POOL, pool=pool, metric=Metric.DATA_PCT,
                  threshold=90, effect=Effect.NOTIFY),
        RuleInput(name="No roaming beyond 300 EUR", target=Target.COMPANY, metric=Metric.OUT_OF_BUNDLE_EUR,
                  threshold=300, effect=Effect.BLOCK_ROAMING, lift_next_period=True),
    ]  # fmt: skip
    if sales is not None:
        wanted.append(
            RuleInput(name="Sales: suspend at 500 EUR", target=Target.TAG, tag=sales,
                      metric=Metric.OUT_OF_BUNDLE_EUR, threshold=500, effect=Effect.SUSPEND, lift_next_period=True)
        )  # fmt: skip
    return [rule_create(actor=SYSTEM, customer=customer, data=data) for data in wanted]


def run_event_consumers() -> int:
    """Deliver the due events now (rating, then alerts and rules on `usage.rated`), round after
    round until none is due; the worker would do the same a moment later. Returns the count."""
    delivered = 0
    for _ in range(EVENT_ROUNDS):
        due = delivery.due_ids(EVENTS_CHANNEL, limit=10_000)
        if not due:
            break
        delivery.deliver_many(EVENTS_CHANNEL, due)
        delivered += len(due)
    return delivered


def load_usage(
    domain: str = "acme",
    *,
    now: dt.datetime | None = None,
    lines: Sequence[Line] | None = None,
    pool_size: int = POOL_SIZE,
) -> int:
    """The customer's six months of usage (see the module's story); answers the records ingested
    (0 when it has usage already). `lines` narrows the story to some of its active lines (tests)."""
    customer = Customer.objects.get(login_domain=domain)
    if UsageRecord.objects.filter(customer=customer).exists():
        return 0
    now = now or timezone.now()
    active = Line.objects.filter(customer=customer, status=Line.Status.ACTIVE).select_related("plan")
    cast = list(active if lines is None else lines)
    story = pick_story(cast, data_allowances(cast), pool_size=pool_size)
    since = periods(now)[0].start
    with transaction.atomic():
        set_controls(story, since)
        create_rules(customer, order_pool(customer, story, since))
    job = usage_job_create(
        actor=SYSTEM, source=IngestJob.Source.COMMAND, file_name="demo-usage.json", customer=customer
    )
    job = usage_ingest_records(actor=SYSTEM, job=job, records=records(story, now))
    run_event_consumers()
    return job.ingested
