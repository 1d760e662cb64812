"""The quantity rule and the delivery dates (F-71), over many values (hypothesis)."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetportal.core.errors import ActionError
from fleetportal.simorders.delivery import business_days_after, is_business_day
from fleetportal.simorders.rules import clean_quantity

pytestmark = pytest.mark.spec("F-71")

COUNTRIES = st.sampled_from(["BE", "HU"])
DATES = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 12, 31))


@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_a_quantity_is_accepted_iff_a_multiple_of_10_from_10_to_1000(quantity: int) -> None:
    if quantity % 10 == 0 and 10 <= quantity <= 1000:
        assert clean_quantity(quantity) == quantity
        assert clean_quantity(f" {quantity} ") == quantity  # as typed on the page
    else:
        with pytest.raises(ActionError) as refused:
            clean_quantity(quantity)
        assert refused.value.field == "quantity"


@pytest.mark.parametrize("typed", ["abc", "", None, "2.5", "1e2", True])
def test_a_quantity_that_is_not_a_whole_number_is_refused_on_its_field(typed: object) -> None:
    with pytest.raises(ActionError) as refused:
        clean_quantity(typed)
    assert refused.value.field == "quantity"


def test_fifteen_cards_are_refused_with_the_seeds_rule() -> None:
    with pytest.raises(ActionError, match=r"Order blank SIM cards in multiples of 10\."):
        clean_quantity(15)


@given(DATES, COUNTRIES)
def test_delivery_is_exactly_two_business_days_after_the_order(ordered: dt.date, country: str) -> None:
    expected = business_days_after(ordered, 2, country)
    public = holidays.country_holidays(country, years=range(ordered.year, expected.year + 1))
    assert expected.weekday() < 5 and expected not in public and is_business_day(expected, country)
    between = [ordered + dt.timedelta(days=n) for n in range(1, (expected - ordered).days)]
    assert sum(day.weekday() < 5 and day not in public for day in between) == 1  # the shipping day
    assert 2 <= (expected - ordered).days <= 9  # at worst Christmas and a weekend in between


@pytest.mark.parametrize(
    ("ordered", "country", "expected"),
    [
        (dt.date(2026, 12, 2), "BE", dt.date(2026, 12, 4)),  # Wednesday → Friday
        (dt.date(2026, 12, 3), "BE", dt.date(2026, 12, 7)),  # Thursday → Monday, over the weekend
        (dt.date(2026, 12, 5), "BE", dt.date(2026, 12, 8)),  # a Saturday order counts from Monday
        (dt.date(2026, 12, 23), "BE", dt.date(2026, 12, 28)),  # over Christmas (Fri 25) and the weekend
        (dt.date(2026, 12, 23), "HU", dt.date(2026, 12, 29)),  # Hungary also rests on 24 (a day off) and 26 December
        (dt.date(2027, 3, 12), "HU", dt.date(2027, 3, 17)),  # 15 March, Hungary's national day (Monday)
        (dt.date(2027, 3, 12), "BE", dt.date(2027, 3, 16)),  # an ordinary Monday in Belgium
        (dt.date(2026, 7, 20), "BE", dt.date(2026, 7, 23)),  # 21 July, Belgian National Day
    ],
)
def test_delivery_dates_skip_each_countrys_holidays(ordered: dt.date, country: str, expected: dt.date) -> None:
    assert business_days_after(ordered, 2, country) == expected
