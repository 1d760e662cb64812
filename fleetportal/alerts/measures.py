"""What alerts and rules measure on a period's counters: the share of a bundle used, in %, and
the out-of-bundle cost in EUR. Pure functions of the counter rows rating wrote.

A line's share of its own bundle counts what it used beyond its group bundle (records of a
pool member draw from the pool first, then from the line's own bundle): `data_mb -
data_pool_mb` over the line's own allowance, so it can pass 100 % once the line is out of
bundle (a rule may act at 150 %). A pool's share is what its members drew from it over its
allowance. No allowance (unlimited) or a zero one has no share: nothing fires on it.
"""

from __future__ import annotations

from decimal import Decimal

from fleetportal.usage.models import PoolCounter, UsageCounter

from .models import Bundle, UsageRule

HUNDRED = Decimal(100)
SECONDS_PER_MINUTE = Decimal(60)
# The bundle alerts' thresholds (F-43), in %.
THRESHOLDS = (75, 90, 100)

_METRIC_BUNDLE = {
    UsageRule.Metric.DATA_PCT: Bundle.DATA,
    UsageRule.Metric.VOICE_PCT: Bundle.VOICE,
    UsageRule.Metric.SMS_PCT: Bundle.SMS,
}


def _share(used: Decimal, allowance: int | None, per_unit: Decimal = Decimal(1)) -> Decimal | None:
    if not allowance:
        return None
    return used * HUNDRED / (allowance * per_unit)


def line_share(counter: UsageCounter, bundle: str) -> Decimal | None:
    """The % of the line's own `bundle` used in the counter's period (None: no such bundle)."""
    if bundle == Bundle.DATA:
        return _share(counter.data_mb - counter.data_pool_mb, counter.allowance_data_mb)
    if bundle == Bundle.VOICE:
        used = counter.voice_seconds - counter.voice_pool_seconds
        return _share(used, counter.allowance_voice_minutes, SECONDS_PER_MINUTE)
    return _share(counter.sms - counter.sms_pool, counter.allowance_sms)


def pool_share(counter: PoolCounter, bundle: str) -> Decimal | None:
    """The % of the pool's `bundle` its members drew in the counter's period."""
    if bundle == Bundle.DATA:
        return _share(counter.data_mb, counter.allowance_data_mb)
    if bundle == Bundle.VOICE:
        return _share(counter.voice_seconds, counter.allowance_voice_minutes, SECONDS_PER_MINUTE)
    return _share(counter.sms, counter.allowance_sms)


def reached_thresholds(share: Decimal | None) -> list[int]:
    """The bundle alert thresholds a share has reached, lowest first."""
    if share is None:
        return []
    return [threshold for threshold in THRESHOLDS if share >= threshold]


def metric_value(counter: UsageCounter | PoolCounter, metric: str) -> Decimal | None:
    """A rule's metric on a line's or a pool's counter (None: not measurable, never fires)."""
    if metric == UsageRule.Metric.OUT_OF_BUNDLE_EUR:
        return counter.out_of_bundle_eur
    bundle = _METRIC_BUNDLE[UsageRule.Metric(metric)]
    if isinstance(counter, PoolCounter):
        return pool_share(counter, bundle)
    return line_share(counter, bundle)


def reached(value: Decimal | None, threshold: Decimal | None) -> bool:
    """A measure reaches a threshold once it is above zero and at least the threshold: nothing
    used reaches nothing, so a threshold of 0 means "at the first use"."""
    return value is not None and threshold is not None and value > 0 and value >= threshold
