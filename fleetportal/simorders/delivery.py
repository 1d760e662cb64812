"""When a blank SIM order ships and arrives: business days of the delivery country, skipping
weekends and its public holidays (the `holidays` package, kept up to date upstream, so a moved
or new holiday is a version bump, not our code). Orders ship the next business day after the
order and arrive on the second (F-71: "delivered within 2 business days")."""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

SHIP_AFTER = 1  # business days after the order's date
DELIVER_AFTER = 2


@cache
def _public_holidays(country: str) -> holidays.HolidayBase:
    # Filled year by year as dates are asked for (`expand`); one calendar per country.
    return holidays.country_holidays(country)


def is_business_day(day: dt.date, country: str) -> bool:
    """Monday to Friday and not a public holiday of `country` (ISO 3166 alpha-2)."""
    return day.weekday() < 5 and day not in _public_holidays(country)


def business_days_after(start: dt.date, days: int, country: str) -> dt.date:
    """The `days`-th business day after `start` (`start` itself never counts: an order placed on
    a Friday ships on Monday)."""
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if is_business_day(day, country):
            left -= 1
    return day
