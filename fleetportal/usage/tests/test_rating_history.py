"""Rating with the products in force at each record's time (F-55, R5, issue 7): the line's
history of plans and options (`fleet.LineProducts`) decides each record's plan, rates and
bundle, so a late record or a re-rating after a later plan change gives the prices and counters
of a rating in order, and a rated record keeps the plan it was rated with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.catalog.models import TariffPlan, UsageRate
from fleetportal.catalog.tests.factories import OptionFactory, TariffPlanFactory
from fleetportal.core.models import Customer
from fleetportal.fleet.actions.history import record_products
from fleetportal.fleet.models import Line, LineProducts
from fleetportal.usage import rating
from fleetportal.usage.models import UsageRecord

from .conftest import MEMBER_NUMBER, csv_bytes, record, run_ingest
from .test_rating import RECORDS, Ingest, counter, counters, parts, rate_march, rated, reset, rows_of, setup_lines

pytestmark = [pytest.mark.spec("F-55", "R5"), pytest.mark.django_db]


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)


def plan(data_mb: int | None = 0, data_price: str | None = None) -> TariffPlan:
    """A plan with this data bundle and, when given, its own price per MB at home."""
    made = TariffPlanFactory.create(data_mb=data_mb, voice_minutes=0, sms=0)
    if data_price is not None:
        UsageRate.objects.create(kind="data", zone="national", direction="out", plan=made, unit_price=data_price)
    return made


def moves(line: Line, *steps: tuple[dt.datetime, TariffPlan, list[int]]) -> None:
    """The line's history as the fleet actions write it, and its present plan the last one's."""
    for when, new, options in steps:
        record_products([(line.pk, new.pk, options)], at=when)
    Line.objects.filter(pk=line.pk).update(plan=steps[-1][1])


def test_records_before_and_after_a_plan_change_take_the_plan_of_their_time(ingest: Ingest, lines: list[Line]) -> None:
    dear, cheap = plan(data_price="0.10"), plan(data_price="0.02")
    moves(lines[0], (at(1) - dt.timedelta(days=30), dear, []), (at(15, 10), cheap, []))
    ingest(
        csv_bytes(
            [
                record(1, quantity="10", started_at="2026-03-10T08:00:00Z"),
                record(2, quantity="10", started_at="2026-03-15T09:59:59Z"),
                record(3, quantity="10", started_at="2026-03-15T10:00:00Z"),  # the change's instant: new
            ]
        )
    )
    rate_march()
    assert [(rated(f"R{n}").rated_plan_id, rated(f"R{n}").unit_price, rated(f"R{n}").price) for n in (1, 2, 3)] == [
        (dear.pk, Decimal("0.10"), Decimal("1.00")),
        (dear.pk, Decimal("0.10"), Decimal("1.00")),
        (cheap.pk, Decimal("0.02"), Decimal("0.20")),
    ]
    assert counter(lines[0]).out_of_bundle_eur == Decimal("2.20")


def test_a_record_before_the_first_row_takes_the_first_row(ingest: Ingest, lines: list[Line]) -> None:
    first, later = plan(data_price="0.03"), plan(data_price="0.07")
    moves(lines[0], (at(20), first, []), (dt.datetime(2026, 4, 2, tzinfo=dt.UTC), later, []))
    ingest(csv_bytes([record(1, quantity="10", started_at="2026-03-05T08:00:00Z")]))
    rate_march()
    assert (rated("R1").rated_plan_id, rated("R1").price) == (first.pk, Decimal("0.30"))


def test_an_upgrade_mid_period_gives_the_bigger_bundle_with_the_usage_before_it_counted(
    ingest: Ingest, lines: list[Line]
) -> None:
    small, big = plan(data_mb=100), plan(data_mb=200)
    extra = OptionFactory.create(data_mb=50)
    moves(lines[0], (at(1), small, []), (at(15), big, [extra.pk]), (at(25), small, []))
    ingest(
        csv_bytes(
            [
                record(1, quantity="150", started_at="2026-03-05T08:00:00Z"),  # 100 of 100, 50 out
                record(2, quantity="80", started_at="2026-03-20T08:00:00Z"),  # 250 in force, 150 used: 80
                record(3, quantity="40", started_at="2026-03-22T08:00:00Z"),  # 20 left, 20 out
                record(4, quantity="10", started_at="2026-03-26T08:00:00Z"),  # back to 100: all out
            ]
        )
    )
    rate_march()
    assert [parts(rated(f"R{n}")) for n in (1, 2, 3, 4)] == [
        (0, 100, 50, 0),
        (0, 80, 0, 0),
        (0, 20, 20, 0),
        (0, 0, 10, 0),
    ]
    assert [rated(f"R{n}").rated_plan_id for n in (1, 2, 3, 4)] == [small.pk, big.pk, big.pk, small.pk]
    c = counter(lines[0])
    assert (c.data_mb, c.data_bundle_mb, c.allowance_data_mb) == (280, 200, 100)  # the bundle at the period's end


def test_a_late_record_before_a_plan_change_re_rates_with_the_plan_of_its_time(
    ingest: Ingest, lines: list[Line]
) -> None:
    small, big = plan(data_mb=100), plan(data_mb=300)
    moves(lines[0], (at(1), small, []), (at(10), big, []))
    ingest(csv_bytes([record(2, quantity="200", started_at="2026-03-12T08:00:00Z")]))
    rate_march()
    assert parts(rated("R2")) == (0, 200, 0, 0)
    ingest(csv_bytes([record(1, quantity="150", started_at="2026-03-02T08:00:00Z")]))  # it came late
    rate_march()
    assert (parts(rated("R1")), parts(rated("R2"))) == ((0, 100, 50, 0), (0, 150, 50, 0))
    assert (rated("R1").rated_plan_id, rated("R2").rated_plan_id) == (small.pk, big.pk)


# --- properties ------------------------------------------------------------------------------


def priced() -> dict[str, tuple[Any, ...]]:
    """Each record's rating: plan, outcome, parts, unit price and price."""
    return {
        r.record_id: (r.rated_plan_id, r.outcome, *parts(r), r.unit_price, r.price)
        for r in UsageRecord.objects.order_by("record_id")
    }


def setup_history(lines: list[Line], customer: Customer) -> None:
    """The properties' fleet (`test_rating.setup_lines`: bundles, a pool, a cap, a block), each of
    the first two lines changing its products mid-March."""
    setup_lines(lines, customer)
    first, second = (Line.objects.get(pk=line.pk).plan for line in lines[:2])
    bigger = TariffPlanFactory.create(data_mb=120, voice_minutes=1, sms=10)
    UsageRate.objects.create(kind="data", zone="national", direction="out", plan=bigger, unit_price="0.02")
    UsageRate.objects.create(kind="voice", zone="world_1", direction="out", plan=bigger, unit_price="0.50")
    option = OptionFactory.create(data_mb=30, voice_minutes=3, sms=None)
    moves(lines[0], (at(1), first, []), (at(12, 6), bigger, [option.pk]))
    moves(lines[1], (at(1), second, [option.pk]), (at(18), second, []))
    moves(lines[2], (at(1) - dt.timedelta(days=30), Line.objects.get(pk=lines[2].pk).plan, []))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(RECORDS, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=3))
def test_re_rating_after_a_later_plan_change_gives_the_prices_and_counters_of_a_rating_in_order(
    lines: list[Line],
    customer: Customer,
    monkeypatch: pytest.MonkeyPatch,
    generated: list[tuple[Any, ...]],
    random: Any,
    pieces: int,
) -> None:
    if not LineProducts.objects.exists():
        setup_history(lines, customer)
    reset()
    rows = rows_of(generated)
    run_ingest(csv_bytes(rows))
    rate_march()
    in_order, prices = counters(), priced()
    reset()
    random.shuffle(rows)
    with monkeypatch.context() as patch:
        patch.setattr(rating, "BATCH_RECORDS", 1)
        for n in range(pieces):  # the records in pieces, each rated when it arrives
            run_ingest(csv_bytes(rows[n::pieces]))
            rate_march()
    later = TariffPlanFactory.create(data_mb=None, voice_minutes=None, sms=None)  # unlimited, from April
    for line in lines:
        moves(line, (dt.datetime(2026, 4, 3, tzinfo=dt.UTC), later, []))
    rate_march()
    assert counters() == in_order
    assert priced() == prices
    assert not UsageRecord.objects.filter(rated_plan=later).exists()


def test_history_not_the_present_plan_decides(ingest: Ingest, lines: list[Line]) -> None:
    only = plan(data_price="0.04")
    record_products([(lines[0].pk, only.pk, [])], at=at(1) - dt.timedelta(days=90))
    ingest(csv_bytes([record(1, number=MEMBER_NUMBER, quantity="5")]))
    Line.objects.filter(pk=lines[0].pk).update(plan=plan(data_price="0.90"))  # as if changed outside the actions
    rate_march()
    assert (rated("R1").rated_plan_id, rated("R1").price) == (only.pk, Decimal("0.20"))
