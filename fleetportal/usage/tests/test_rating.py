"""Rating (F-55, F-41, F-50, R5): records priced against the line's bundles, its pool and the
catalogue's rates, or refused; counters rebuilt from the rated records, so the order of arrival,
a second ingest, a late record or a re-rating leave the same counters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.bundles.models import GroupBundle, GroupBundleMember
from fleetportal.catalog.models import TariffPlan, UsageRate
from fleetportal.catalog.tests.factories import ContractGroupBundleFactory, OptionFactory, TariffPlanFactory
from fleetportal.core.actor import SYSTEM
from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent, Customer, DomainEvent
from fleetportal.fleet.models import Line, LineBlock, LineOption, Service
from fleetportal.usage import rating
from fleetportal.usage.actions import usage_rate
from fleetportal.usage.models import IngestJob, PoolCounter, UsageCounter, UsageRecord
from fleetportal.usage.rating import services_for

from .conftest import MEMBER_NUMBER, csv_bytes, record, run_ingest

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
SECOND = "+32470100002"
THIRD = "+32470100003"
Ingest = Callable[..., IngestJob]
COUNTED = (
    "records", "data_mb", "data_bundle_mb", "data_pool_mb", "voice_seconds", "voice_bundle_seconds",
    "voice_pool_seconds", "sms", "sms_bundle", "sms_pool", "mms", "out_of_bundle_eur", "third_party_eur", "refused",
    "allowance_data_mb", "allowance_voice_minutes", "allowance_sms",
)  # fmt: skip


def on_plan(line: Line, data_mb: int | None = 100, voice_minutes: int | None = 10, sms: int | None = 5) -> TariffPlan:
    plan = TariffPlanFactory.create(data_mb=data_mb, voice_minutes=voice_minutes, sms=sms)
    Line.objects.filter(pk=line.pk).update(plan=plan)
    return plan


def rate_march() -> None:
    usage_rate(actor=SYSTEM, periods=[MARCH])


def counter(line: Line) -> UsageCounter:
    return UsageCounter.objects.get(line=line, period=MARCH)


def counters() -> dict[int, tuple[Any, ...]]:
    return {
        row[0]: tuple(Decimal(str(v)).quantize(Decimal("0.0001")) if v is not None else None for v in row[1:])
        for row in UsageCounter.objects.filter(period=MARCH).values_list("line_id", *COUNTED)
    }


def rated(record_id: str) -> UsageRecord:
    return UsageRecord.objects.get(record_id=record_id)


def parts(r: UsageRecord) -> tuple[Decimal, ...]:
    return (r.pool_quantity, r.bundle_quantity, r.out_quantity, r.refused_quantity)


@pytest.mark.spec("F-55")
def test_data_beyond_the_bundle_is_priced_at_the_list_rate(ingest: Ingest, lines: list[Line]) -> None:
    plan = on_plan(lines[0], data_mb=100)
    ingest(csv_bytes([record(1, quantity="60"), record(2, quantity="60")]))
    rate_march()
    first, second = rated("R1"), rated("R2")
    assert (first.outcome, parts(first), first.price) == ("in_bundle", (0, 60, 0, 0), 0)
    assert (second.outcome, parts(second)) == ("out_of_bundle", (0, 40, 20, 0))
    assert (second.unit_price, second.price, second.rated_plan_id) == (Decimal("0.05"), Decimal("1.00"), plan.pk)
    c = counter(lines[0])
    assert (c.records, c.data_mb, c.data_bundle_mb, c.out_of_bundle_eur, c.allowance_data_mb) == (2, 120, 100, 1, 100)
    assert c.period == MARCH and c.customer_id == lines[0].customer_id


@pytest.mark.spec("F-55")
def test_world_zones_and_international_never_draw_from_bundles(ingest: Ingest, lines: list[Line]) -> None:
    on_plan(lines[0], data_mb=None, voice_minutes=None)  # unlimited at home
    ingest(
        csv_bytes(
            [
                record(1, zone="world_1", quantity="10"),
                record(2, kind="voice", zone="international", quantity="90", unit="seconds"),
                record(3, zone="eu", quantity="5000"),
            ]
        )
    )
    rate_march()
    assert (parts(rated("R1")), rated("R1").price) == ((0, 0, 10, 0), Decimal("20.00"))
    assert (parts(rated("R2")), rated("R2").price) == ((0, 0, 90, 0), Decimal("0.90"))  # 1.5 min at 0.60
    assert (rated("R3").outcome, parts(rated("R3"))) == ("in_bundle", (0, 5000, 0, 0))  # roam like at home


@pytest.mark.spec("F-55")
def test_calls_draw_minutes_by_the_second_and_incoming_calls_are_free(ingest: Ingest, lines: list[Line]) -> None:
    on_plan(lines[0], voice_minutes=10)
    voice = {"kind": "voice", "unit": "seconds"}
    ingest(
        csv_bytes(
            [record(1, quantity="900", **voice), record(2, quantity="300", direction="in", **voice)],
        )
    )
    rate_march()
    assert (parts(rated("R1")), rated("R1").price) == ((0, 600, 300, 0), Decimal("0.75"))
    assert (rated("R2").outcome, rated("R2").direction, parts(rated("R2"))) == ("free", "in", (0, 0, 300, 0))
    assert counter(lines[0]).voice_seconds == 1200


@pytest.mark.spec("F-55")
def test_a_plan_rate_overrides_the_list_rate_and_options_add_to_the_bundle(ingest: Ingest, lines: list[Line]) -> None:
    plan = on_plan(lines[0], data_mb=100)
    UsageRate.objects.create(kind="data", zone="national", direction="out", plan=plan, unit_price=Decimal("0.01"))
    LineOption.objects.create(line=lines[0], option=OptionFactory.create(data_mb=50))
    ingest(csv_bytes([record(1, quantity="200")]))
    rate_march()
    assert (parts(rated("R1")), rated("R1").price) == ((0, 150, 50, 0), Decimal("0.50"))
    assert counter(lines[0]).allowance_data_mb == 150


def make_pool(customer: Customer, members: list[Line], data_mb: int = 100, **when: dt.datetime) -> GroupBundle:
    offer = ContractGroupBundleFactory.create(contract=customer.contracts.get(), offer__data_mb=data_mb)
    since = when.get("since", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pool = GroupBundle.objects.create(
        customer=customer, contract=offer.contract, offer=offer, name="Sales pool", started_at=since
    )
    for line in members:
        GroupBundleMember.objects.create(pool=pool, line=line, joined_at=since, left_at=when.get("left"))
    return pool


@pytest.mark.spec("F-50", "F-51")
def test_member_lines_draw_from_the_pool_first(ingest: Ingest, lines: list[Line], customer: Customer) -> None:
    for line in lines[:2]:
        on_plan(line, data_mb=50)
    pool = make_pool(customer, lines[:2], data_mb=100)
    ingest(csv_bytes([record(1, quantity="80"), record(2, number=SECOND, quantity="40"), record(3, quantity="70")]))
    rate_march()
    assert parts(rated("R1")) == (80, 0, 0, 0)
    assert parts(rated("R2")) == (20, 20, 0, 0)  # what the pool had left, then the line's own
    assert parts(rated("R3")) == (0, 50, 20, 0)
    assert rated("R3").pool_id == pool.pk
    pooled = PoolCounter.objects.get(pool=pool, period=MARCH)
    assert (pooled.data_mb, pooled.allowance_data_mb, pooled.out_of_bundle_eur) == (100, 100, Decimal("1.00"))
    assert (counter(lines[0]).data_pool_mb, counter(lines[1]).data_pool_mb) == (80, 20)


@pytest.mark.spec("F-50")
def test_a_line_draws_from_the_pool_only_while_a_member(ingest: Ingest, lines: list[Line], customer: Customer) -> None:
    on_plan(lines[0], data_mb=0)
    make_pool(customer, [lines[0]], left=dt.datetime(2026, 3, 10, tzinfo=dt.UTC))
    ingest(csv_bytes([record(1, quantity="10"), record(2, quantity="10", started_at="2026-03-12T08:00:00Z")]))
    rate_march()
    assert (parts(rated("R1")), parts(rated("R2"))) == ((10, 0, 0, 0), (0, 0, 10, 0))
    assert rated("R2").pool_id is None


@pytest.mark.spec("F-40", "F-55")
def test_a_blocked_service_is_refused_from_the_block_on(ingest: Ingest, lines: list[Line]) -> None:
    block = LineBlock.objects.create(line=lines[0], service=Service.ROAMING_DATA)
    LineBlock.objects.filter(pk=block.pk).update(created_at=dt.datetime(2026, 3, 5, tzinfo=dt.UTC))
    ingest(
        csv_bytes(
            [
                record(1, zone="world_2", quantity="3", started_at="2026-03-04T08:00:00Z"),
                record(2, zone="world_2", quantity="3", started_at="2026-03-06T08:00:00Z"),
                record(3, zone="national", quantity="3", started_at="2026-03-06T09:00:00Z"),
            ]
        )
    )
    rate_march()
    assert rated("R1").outcome == "out_of_bundle"
    assert (rated("R2").outcome, rated("R2").refusal, parts(rated("R2")), rated("R2").price) == (
        "refused", "blocked", (0, 0, 0, 3), 0,
    )  # fmt: skip
    assert rated("R3").outcome == "in_bundle"
    c = counter(lines[0])
    assert (c.refused, c.data_mb) == (1, 6)


@pytest.mark.spec("F-40")
def test_services_of_a_record() -> None:
    assert services_for("voice", "international", "out") == {"all", "calls_out", "international"}
    assert services_for("voice", "world_1", "in") == {"all", "roaming_all", "calls_in", "roaming_calls_in"}
    assert services_for("sms", "eu", "out") == {"all", "roaming_all", "sms_out", "roaming_sms"}
    assert services_for("data", "national", "out") == {"all", "data"}
    assert services_for("third_party", "national", "out") == {"all"}


def charge(n: int, amount: str, day: int) -> dict[str, str]:
    return record(
        n,
        kind="third_party",
        quantity="",
        unit="",
        amount=amount,
        merchant="4411",
        started_at=f"2026-03-{day:02d}T10:00:00Z",
    )


@pytest.mark.spec("F-41")
def test_a_charge_over_the_paybymobile_limit_is_refused(ingest: Ingest, lines: list[Line]) -> None:
    Line.objects.filter(pk=lines[0].pk).update(paybymobile=Line.PayByMobile.CAPPED, paybymobile_cap=Decimal(10))
    ingest(csv_bytes([charge(3, "2.00", 3), charge(1, "8.00", 1), charge(2, "5.00", 2)]))  # any order
    rate_march()
    assert [(rated(f"R{n}").outcome, rated(f"R{n}").price) for n in (1, 2, 3)] == [
        ("charged", Decimal(8)), ("refused", 0), ("charged", Decimal(2)),
    ]  # fmt: skip
    assert rated("R2").refusal == "paybymobile_cap"
    c = counter(lines[0])
    assert (c.third_party_eur, c.refused, c.out_of_bundle_eur) == (10, 1, 0)


@pytest.mark.spec("F-41")
def test_paybymobile_blocked_refuses_every_charge(ingest: Ingest, lines: list[Line]) -> None:
    Line.objects.filter(pk=lines[0].pk).update(paybymobile=Line.PayByMobile.BLOCKED)
    ingest(csv_bytes([charge(1, "1.00", 1), record(2)]))
    rate_march()
    assert (rated("R1").outcome, rated("R1").refusal) == ("refused", "paybymobile")
    assert rated("R2").outcome == "in_bundle"
    assert (counter(lines[0]).refused, counter(lines[0]).third_party_eur) == (1, 0)


@pytest.mark.spec("F-55", "R5")
def test_a_late_record_re_rates_the_records_after_it(ingest: Ingest, lines: list[Line]) -> None:
    on_plan(lines[0], data_mb=100)
    ingest(csv_bytes([record(2, quantity="80", started_at="2026-03-10T08:00:00Z")]))
    rate_march()
    assert parts(rated("R2")) == (0, 80, 0, 0)
    ingest(csv_bytes([record(1, quantity="50", started_at="2026-03-02T08:00:00Z")]))  # it came late
    rate_march()
    assert (parts(rated("R1")), parts(rated("R2"))) == ((0, 50, 0, 0), (0, 50, 30, 0))
    assert (counter(lines[0]).data_bundle_mb, counter(lines[0]).out_of_bundle_eur) == (100, Decimal("1.50"))


@pytest.mark.spec("F-55")
def test_a_line_without_product_history_is_rated_with_its_present_plan(ingest: Ingest, lines: list[Line]) -> None:
    """A factory's line has no `LineProducts` rows (the actions and the migration write them;
    test_rating_history.py rates with them): its present plan it is."""
    on_plan(lines[0], data_mb=100)
    ingest(csv_bytes([record(1, quantity="150")]))
    rate_march()
    assert counter(lines[0]).out_of_bundle_eur == Decimal("2.50")
    bigger = on_plan(lines[0], data_mb=200)
    rate_march()
    assert (counter(lines[0]).out_of_bundle_eur, counter(lines[0]).allowance_data_mb) == (0, 200)
    assert rated("R1").rated_plan_id == bigger.pk


@pytest.mark.spec("F-55")
def test_rating_is_audited_and_tells_alerts_once_per_customer_and_period(ingest: Ingest, lines: list[Line]) -> None:
    ingest(csv_bytes([record(1), record(2, number=SECOND, started_at="2026-04-02T08:00:00Z")]))
    usage_rate(actor=SYSTEM, periods=[MARCH, dt.date(2026, 4, 1)])
    events = DomainEvent.objects.filter(name="usage.rated").order_by("id")
    assert [e.data for e in events] == [
        {"period": "2026-03-01", "lines": [lines[0].pk], "pools": []},
        {"period": "2026-04-01", "lines": [lines[1].pk], "pools": []},
    ]
    assert AuditEvent.objects.filter(action="usage.rated").count() == 2


@pytest.mark.spec("F-55")
def test_a_period_is_a_month(lines: list[Line]) -> None:
    with pytest.raises(ActionError) as error:
        usage_rate(actor=SYSTEM, periods=[dt.date(2026, 3, 2)])
    assert error.value.field == "period"


@pytest.mark.spec("F-55")
def test_an_ingest_rates_its_records_through_its_event(
    lines: list[Line], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run_ingest(csv_bytes([record(1, quantity="7")]))
    assert counter(lines[0]).data_mb == 7
    assert DomainEvent.objects.filter(name="usage.rated").get().data["lines"] == [lines[0].pk]


# --- properties ------------------------------------------------------------------------------

KINDS = st.sampled_from(
    [("data", "mb", ""), ("voice", "seconds", "out"), ("voice", "seconds", "in"), ("sms", "messages", "out"),
     ("sms", "messages", "in"), ("mms", "messages", ""), ("third_party", "", "")]
)  # fmt: skip
ZONES = st.sampled_from(["national", "national", "eu", "world_1", "international"])
RECORDS = st.lists(
    st.tuples(
        st.sampled_from([MEMBER_NUMBER, SECOND, THIRD]), KINDS, ZONES, st.integers(min_value=0, max_value=90),
        st.integers(min_value=1, max_value=28), st.integers(min_value=0, max_value=1439),
    ),
    min_size=1,
    max_size=25,
)  # fmt: skip


def rows_of(generated: list[tuple[Any, ...]]) -> list[dict[str, str]]:
    rows = []
    for n, (number, (kind, unit, direction), zone, quantity, day, minute) in enumerate(generated):
        values = {"kind": kind, "unit": unit, "zone": zone, "direction": direction, "quantity": str(quantity)}
        values["started_at"] = f"2026-03-{day:02d}T{minute // 60:02d}:{minute % 60:02d}:00Z"
        if kind == "third_party":
            values.update(quantity="", amount=f"{quantity / 10:.2f}", merchant="4411")
        rows.append(record(n, number=number, **values))
    return rows


def reset() -> None:
    UsageCounter.objects.all().delete()
    PoolCounter.objects.all().delete()
    UsageRecord.objects.all().delete()


def setup_lines(lines: list[Line], customer: Customer) -> None:
    on_plan(lines[0], data_mb=60, voice_minutes=2, sms=3)
    on_plan(lines[1], data_mb=20, voice_minutes=1, sms=None)
    Line.objects.filter(pk=lines[0].pk).update(paybymobile=Line.PayByMobile.CAPPED, paybymobile_cap=Decimal(5))
    LineBlock.objects.create(line=lines[1], service=Service.ROAMING_ALL)
    LineBlock.objects.filter(line=lines[1]).update(created_at=dt.datetime(2026, 3, 15, tzinfo=dt.UTC))
    make_pool(customer, lines[:2], data_mb=50)


@pytest.mark.spec("F-55", "R5")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(RECORDS, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=4))
def test_the_order_of_arrival_does_not_change_the_counters(
    lines: list[Line],
    customer: Customer,
    monkeypatch: pytest.MonkeyPatch,
    generated: list[tuple[Any, ...]],
    random: Any,
    pieces: int,
) -> None:
    if not GroupBundle.objects.exists():
        setup_lines(lines, customer)
    reset()
    rows = rows_of(generated)
    run_ingest(csv_bytes(rows))
    rate_march()
    in_order = counters()
    pools = list(PoolCounter.objects.values_list("data_mb", "out_of_bundle_eur"))
    for r in UsageRecord.objects.all():  # every record's parts add up to its quantity
        assert r.pool_quantity + r.bundle_quantity + r.out_quantity + r.refused_quantity == pytest.approx(r.quantity)
        assert min(parts(r)) >= 0
    reset()
    random.shuffle(rows)
    with monkeypatch.context() as patch:
        patch.setattr(rating, "BATCH_RECORDS", 1)  # each pool's lines, each other line, on its own
        for n in range(pieces):  # the same records in pieces, each rated when it arrives, one file twice
            run_ingest(csv_bytes(rows[n::pieces]))
            rate_march()
        run_ingest(csv_bytes(rows))
        rate_march()
    assert counters() == in_order
    assert list(PoolCounter.objects.values_list("data_mb", "out_of_bundle_eur")) == pools
