"""The SIM overview's reads (F-20): who sees which lines (S1, S2), search as people type,
filters, whitelisted sorting, and a page whose query count does not grow with its size."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from django.http import Http404

from fleetportal.accounts.models import User
from fleetportal.billing import selectors as billing_selectors
from fleetportal.billing.models import BillingAccount
from fleetportal.catalog.models import TariffPlan
from fleetportal.catalog.tests.factories import TariffPlanFactory
from fleetportal.conftest import make_actor
from fleetportal.core.actor import Actor
from fleetportal.core.models import Customer
from fleetportal.core.tests.factories import BillingAccountFactory
from fleetportal.fleet import selectors
from fleetportal.fleet.models import Line, LineBlock, PoolNumber
from fleetportal.fleet.tests.factories import LineFactory, PoolNumberFactory, SimCardFactory, TagFactory

pytestmark = pytest.mark.spec("F-20", "S1")


@pytest.fixture
def fleet(make_line: Callable[..., Line], other_customer: Customer) -> dict[str, Line]:
    return {
        "jan": make_line(msisdn="+32470123456", first_name="Jan", last_name="Peeters", description="Sales"),
        "an": make_line(msisdn="+32471000001", first_name="An", last_name="Claes", description="Warehouse scanner"),
        "foreign": LineFactory.create(customer=other_customer, msisdn="+36301234567", first_name="Jan"),
    }


def _numbers(lines) -> set[str]:
    return {line.msisdn for line in lines}


def test_managers_see_their_customers_lines_only(manager_actor: Actor, fleet: dict[str, Line]) -> None:
    assert _numbers(selectors.lines_for(manager_actor)) == {"+32470123456", "+32471000001"}


def test_staff_see_every_line(staff_actor: Actor, fleet: dict[str, Line]) -> None:
    assert len(selectors.lines_for(staff_actor)) == 3


@pytest.mark.spec("S2")
def test_a_member_sees_only_the_lines_they_use(member: User, fleet: dict[str, Line]) -> None:
    Line.objects.filter(pk=fleet["an"].pk).update(user=member)
    assert _numbers(selectors.lines_for(make_actor(member))) == {"+32471000001"}


@pytest.mark.spec("S2", "R-I5")
def test_a_number_login_sees_only_its_number(member: User, fleet: dict[str, Line]) -> None:
    actor = dataclasses.replace(make_actor(member), number="+32470123456")
    assert _numbers(selectors.lines_for(actor)) == {"+32470123456"}
    with pytest.raises(Http404):
        selectors.line_for(actor, fleet["an"].pk)


@pytest.mark.spec("S2", "F-09")
def test_a_manager_limited_to_billing_does_not_see_the_fleet(billing_manager: User, fleet: dict[str, Line]) -> None:
    assert not selectors.lines_for(make_actor(billing_manager)).exists()


def test_a_foreign_or_malformed_id_is_a_404(manager_actor: Actor, fleet: dict[str, Line]) -> None:
    assert selectors.line_for(manager_actor, fleet["jan"].pk) == fleet["jan"]
    for bad in (fleet["foreign"].pk, "abc", None, 10**9):
        with pytest.raises(Http404):
            selectors.line_for(manager_actor, bad)
    with pytest.raises(Http404):
        selectors.lines_by_ids(manager_actor, [fleet["jan"].pk, fleet["foreign"].pk])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0470 12 34 56", {"jan"}),  # national, whole
        ("+32 470 12 34 56", {"jan"}),  # E.164 as people space it
        ("0470", {"jan"}),  # national beginning
        ("0471 00", {"an"}),
        ("3456", {"jan"}),  # digits anywhere
        ("peeters", {"jan"}),
        ("Jan Peeters", {"jan"}),  # first and last name
        ("warehouse", {"an"}),  # description
        ("nobody", set()),
    ],
)
def test_search_reads_numbers_and_names_as_typed(
    manager_actor: Actor, fleet: dict[str, Line], typed: str, expected: set[str]
) -> None:
    found = set(selectors.lines_for(manager_actor, search=typed).values_list("pk", flat=True))
    assert found == {fleet[name].pk for name in expected}


def test_search_by_sim_card_number(manager_actor: Actor, fleet: dict[str, Line]) -> None:
    sim = fleet["an"].sim
    assert sim is not None
    iccid = sim.iccid
    assert list(selectors.lines_for(manager_actor, search=iccid)) == [fleet["an"]]
    spaced = " ".join(iccid[i : i + 4] for i in range(0, len(iccid), 4))
    assert list(selectors.lines_for(manager_actor, search=spaced)) == [fleet["an"]]


def test_filters(manager_actor: Actor, fleet: dict[str, Line], plans, customer: Customer) -> None:
    tag = TagFactory.create(customer=customer)
    fleet["an"].tags.add(tag)
    Line.objects.filter(pk=fleet["jan"].pk).update(status=Line.Status.SUSPENDED, plan=plans["mobile-europe"])
    assert list(selectors.lines_for(manager_actor, status="suspended")) == [fleet["jan"]]
    assert list(selectors.lines_for(manager_actor, plan=plans["mobile-europe"])) == [fleet["jan"]]
    assert list(selectors.lines_for(manager_actor, plan=plans["mobile-europe"].pk)) == [fleet["jan"]]
    assert list(selectors.lines_for(manager_actor, tag=tag)) == [fleet["an"]]
    assert selectors.lines_for(manager_actor, billing_account=fleet["an"].billing_account).count() == 2
    assert list(selectors.plans_in_use(manager_actor).order_by("code")) == [
        plans["mobile-europe"],
        plans["mobile-start"],
    ]


def test_sorting_is_whitelisted(manager_actor: Actor, fleet: dict[str, Line]) -> None:
    by_description = [line.description for line in selectors.lines_for(manager_actor, sort="description")]
    assert by_description == ["Sales", "Warehouse scanner"]
    reverse = [line.description for line in selectors.lines_for(manager_actor, sort="-description")]
    assert reverse == ["Warehouse scanner", "Sales"]
    # An unknown or injected sort key falls back to the number instead of failing.
    fallback = [line.msisdn for line in selectors.lines_for(manager_actor, sort="sim__pin")]
    assert fallback == ["+32470123456", "+32471000001"]


@pytest.mark.spec("P1")
def test_a_page_costs_the_same_queries_whatever_its_size(
    manager_actor: Actor, make_line: Callable[..., Line], options, customer: Customer, django_assert_num_queries
) -> None:
    tag = TagFactory.create(customer=customer)
    for _ in range(30):
        make_line(options=[options["data-eu-5gb"], options["roaming-world-1gb"]], tags=[tag])

    def render_page(size: int) -> None:
        lines = selectors.lines_for(manager_actor, search="Employee", sort="plan")
        lines.count()
        for line in lines[:size]:
            _ = (line.plan.name, line.billing_account.number, line.sim, [o.name for o in line.options.all()])
            _ = [t.name for t in line.tags.all()]

    with django_assert_num_queries(4):  # count, page, options, tags
        render_page(2)
    with django_assert_num_queries(4):
        render_page(30)


def test_equal_values_sort_by_number(manager_actor: Actor, make_line: Callable[..., Line]) -> None:
    later = make_line(msisdn="+32470000202", description="Sales")
    first = make_line(msisdn="+32470000201", description="Sales")
    assert list(selectors.lines_for(manager_actor, sort="description")) == [first, later]
    assert list(selectors.lines_for(manager_actor, sort="-description")) == [later, first]


def test_search_by_sim_card_number_keeps_the_scope_and_the_filters(
    manager_actor: Actor, fleet: dict[str, Line], other_customer: Customer
) -> None:
    iccid = fleet["an"].sim.iccid  # type: ignore[union-attr]
    foreign = LineFactory.create(customer=other_customer, sim=SimCardFactory.create(iccid=iccid[:-4] + "0000"))
    found = selectors.lines_for(manager_actor, search=iccid[-9:-4])
    assert fleet["an"] in found and foreign not in found
    assert not selectors.lines_for(manager_actor, search=iccid[-9:-4], status="suspended").exists()


@pytest.fixture
def groups(make_line: Callable[..., Line], plans: dict[str, TariffPlan], customer: Customer) -> list[Line]:
    """Lines over four plans, two of them named alike and first by name, their numbers
    interleaved (a page needs both); two billing accounts; one number shared by a stopped line
    and its live successor (equal sort values); one suspended line."""
    second = BillingAccountFactory.create(customer=customer, number="000000001")
    twin = TariffPlanFactory.create(name=plans["mobile-europe"].name)
    layout = [
        (plans["mobile-start"], None, [30, 31, 32, 33, 34, 35, 36]),
        (plans["mobile-europe"], second, [11, 13, 15]),
        (plans["mobile-limitless"], second, [20, 21]),
        (twin, None, [10, 12, 14, 16]),
        (plans["mobile-start"], None, [5]),
    ]
    lines = [
        make_line(msisdn=f"+324700000{n:02d}", plan=plan, **({"billing_account": account} if account else {}))
        for plan, account, numbers in layout
        for n in numbers
    ]
    Line.objects.filter(pk=lines[0].pk).update(status=Line.Status.STOPPED)
    lines.append(make_line(msisdn=lines[0].msisdn, plan=plans["mobile-europe"]))
    Line.objects.filter(pk=lines[3].pk).update(status=Line.Status.SUSPENDED)
    return lines


@pytest.mark.spec("P1")
@pytest.mark.parametrize("sort", ["plan", "-plan", "billing_account", "-billing_account", "description", "-msisdn"])
@pytest.mark.parametrize("status", ["", "active"])
def test_overview_pages_are_slices_of_the_whole_sorted_list(
    manager_actor: Actor, groups: list[Line], sort: str, status: str
) -> None:
    """Sorted by plan or billing account a page is read from each group's first lines only;
    every page, and any slice, must still be exactly that part of the fully sorted list."""
    expected = [line.pk for line in selectors.lines_for(manager_actor, sort=sort, status=status)]
    pages = selectors.overview_lines(manager_actor, cap=100, sort=sort, status=status)
    read = [row["pk"] for start in range(0, len(expected), 3) for row in pages[start : start + 3]]
    assert read == expected
    assert [row["pk"] for row in pages[4:11]] == expected[4:11]
    assert pages[len(expected) : len(expected) + 3] == []


@pytest.mark.spec("P1")
def test_overview_counts_up_to_the_cap(manager_actor: Actor, groups: list[Line]) -> None:
    assert selectors.overview_lines(manager_actor, cap=5).count() == 6  # more than 5
    assert selectors.overview_lines(manager_actor, cap=100).count() == len(groups)
    assert selectors.overview_lines(manager_actor, cap=1, search="nobody").count() == 0


@pytest.mark.spec("P1")
def test_an_overview_row_has_what_the_table_shows(
    manager_actor: Actor, make_line: Callable[..., Line], options, plans: dict[str, TariffPlan], account: BillingAccount
) -> None:
    both = [options["data-eu-5gb"], options["roaming-world-1gb"]]
    line = make_line(description="Sales", first_name="Jan", last_name="Peeters", options=both)
    [row] = selectors.overview_lines(manager_actor, cap=10)[0:50]
    assert row == {
        "pk": line.pk,
        "msisdn": line.msisdn,
        "description": "Sales",
        "first_name": "Jan",
        "last_name": "Peeters",
        "status": Line.Status.ACTIVE,
        "network_state": Line.NetworkState.IN_SYNC,
        "plan_name": plans["mobile-start"].name,
        "billing_account_number": account.number,
        "option_count": 2,
        "blocked": False,
    }
    LineBlock.objects.create(line=line, service="data")
    assert selectors.overview_lines(manager_actor, cap=10)[0:50][0]["blocked"] is True


def test_blank_sims_and_free_numbers(
    manager_actor: Actor, other_actor: Actor, customer: Customer, other_customer
) -> None:
    own = SimCardFactory.create(customer=customer)
    operator = SimCardFactory.create(customer=None)
    SimCardFactory.create(customer=other_customer)
    SimCardFactory.create(customer=customer, status="in_use")
    assert set(selectors.blank_sims_for(manager_actor)) == {own, operator}
    assert own not in selectors.blank_sims_for(other_actor)
    numbers = PoolNumberFactory.create_batch(3)
    PoolNumberFactory.create(status=PoolNumber.Status.QUARANTINE)
    assert selectors.free_numbers(limit=2) == sorted(n.msisdn for n in numbers)[:2]
    assert selectors.free_numbers_count() == 3


@pytest.mark.spec("S2")
def test_members_see_no_stock_and_no_planned_changes(member_actor: Actor, customer: Customer) -> None:
    SimCardFactory.create(customer=customer)
    assert not selectors.blank_sims_for(member_actor).exists()
    assert not selectors.scheduled_changes_for(member_actor).exists()
    assert not billing_selectors.billing_accounts_for(member_actor).exists()
