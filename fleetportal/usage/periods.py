"""Periods: a calendar month in the operator's time zone (settings.TIME_ZONE), named by its
first day. A record counts in the month of its start, local time (a call at 00:30 on 1 April
in Brussels is 22:30 UTC on 31 March and counts in April)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def period_of(moment: dt.datetime) -> dt.date:
    """The period (first day of the month, local time) an aware datetime falls in."""
    return moment.astimezone(_zone(settings.TIME_ZONE)).date().replace(day=1)


def next_period(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def bounds(period: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period's first instant and the next period's, as aware datetimes."""
    zone = _zone(settings.TIME_ZONE)
    start = dt.datetime.combine(period, dt.time(), tzinfo=zone)
    return start, dt.datetime.combine(next_period(period), dt.time(), tzinfo=zone)


def parse_period(text: str) -> dt.date:
    """`YYYY-MM` or `YYYY-MM-DD` (any day of the month) → the period; ValueError otherwise."""
    value = dt.date.fromisoformat(text if len(text) > 7 else f"{text}-01")
    return value.replace(day=1)
