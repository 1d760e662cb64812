"""Which options go with which plan (R-F2 groundwork): the rules against an independent model
of the exclusions, over random catalogues (hypothesis), and the seeds' own cases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.catalog.models import ContractOption, ContractPlan, Option, TariffPlan
from fleetportal.catalog.rules import incompatible_options, option_applies, with_exclusions
from fleetportal.catalog.selectors import contract_matrix
from fleetportal.conftest import make_actor
from fleetportal.core.models import Contract

from .factories import ContractOptionFactory, ContractPlanFactory, OptionFactory, TariffPlanFactory

PLANS = 5
# Per option: the indexes of the plans it is not applicable to.
exclusion_sets = st.lists(st.frozensets(st.integers(0, PLANS - 1)), min_size=1, max_size=6)
DB_EXAMPLES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Catalogue:
    """Plans and options made in a savepoint that is rolled back after each example."""

    def __init__(self, exclusions: list[frozenset[int]]):
        self.plans = [TariffPlanFactory.create(code=f"p{i}", name=f"P{i}") for i in range(PLANS)]
        self.options = [
            OptionFactory.create(code=f"o{i}", name=f"O{i}", excluded_plans=[self.plans[p] for p in excluded])
            for i, excluded in enumerate(exclusions)
        ]
        self.exclusions = exclusions

    def excludes(self, option: Option, plan: TariffPlan) -> bool:
        return self.plans.index(plan) in self.exclusions[self.options.index(option)]


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each hypothesis example in a savepoint of its own, undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.spec("R-F2", "F-29")
@DB_EXAMPLES
@given(exclusions=exclusion_sets, plan_index=st.integers(0, PLANS - 1), data=st.data())
def test_incompatible_options_are_exactly_those_excluding_the_plan(
    exclusions: list[frozenset[int]], plan_index: int, data: st.DataObject
) -> None:
    with rolled_back():
        catalogue = Catalogue(exclusions)
        plan = catalogue.plans[plan_index]
        chosen = data.draw(st.lists(st.sampled_from(catalogue.options), unique=True, min_size=1))
        loaded = {o.pk: o for o in with_exclusions(Option.objects.filter(pk__in=[o.pk for o in chosen]))}
        selection = [loaded[o.pk] for o in chosen]

        dropped = incompatible_options(selection, plan)

        assert [o.pk for o in dropped] == [o.pk for o in chosen if catalogue.excludes(o, plan)]  # given order
        kept = [o for o in selection if o not in dropped]
        assert all(option_applies(o, plan) for o in kept)
        assert not any(option_applies(o, plan) for o in dropped)
        assert incompatible_options(kept, plan) == []  # dropping once is enough
        half = len(selection) // 2
        assert incompatible_options(selection[:half], plan) + incompatible_options(selection[half:], plan) == dropped


@pytest.mark.django_db
@pytest.mark.spec("R-F2", "F-72")
@DB_EXAMPLES
@given(exclusions=exclusion_sets, prices=st.lists(st.decimals("0.00", "99.99", places=2), min_size=6, max_size=6))
def test_matrix_cells_are_the_contract_price_or_not_applicable(
    exclusions: list[frozenset[int]], prices: list[Decimal], catalogue_contract: Contract
) -> None:
    with rolled_back():
        catalogue = Catalogue(exclusions)
        for plan in catalogue.plans:
            ContractPlanFactory.create(contract=catalogue_contract, plan=plan)
        for option, price in zip(catalogue.options, prices, strict=False):
            ContractOptionFactory.create(contract=catalogue_contract, option=option, monthly_price=price)

        manager = catalogue_contract.customer.memberships.get().user
        matrix = contract_matrix(make_actor(manager), catalogue_contract)

        assert [c.plan.code for c in matrix.columns] == [p.code for p in catalogue.plans]
        assert [row.retained.option for row in matrix.rows] == catalogue.options
        for row, option, price in zip(matrix.rows, catalogue.options, prices, strict=False):
            assert row.cells == [None if catalogue.excludes(option, plan) else price for plan in catalogue.plans]


@pytest.fixture
def catalogue_contract(manager) -> Contract:  # type: ignore[no-untyped-def]
    """A contract of the manager's customer that retained nothing yet."""
    return manager.memberships.get().customer.contracts.get()


@pytest.mark.django_db
@pytest.mark.spec("R-F2")
def test_checking_a_prefetched_selection_queries_nothing_more(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    catalogue = Catalogue([frozenset({0, 1}), frozenset(), frozenset({1})])
    options = list(with_exclusions(Option.objects.all()))
    with django_assert_num_queries(0):
        assert [o.code for o in incompatible_options(options, catalogue.plans[1])] == ["o0", "o2"]
        assert incompatible_options(options, catalogue.plans[3]) == []


@pytest.mark.spec("R-F2", "F-72")
@pytest.mark.parametrize(
    ("option", "plan", "applies"),
    [
        ("voice-national-100", "mobile-1", True),
        ("voice-national-100", "mobile-start", True),
        ("voice-national-100", "mobile-europe", False),
        ("voice-national-100", "mobile-contact", False),
        ("voice-national-100", "mobile-limitless", False),
        ("voice-national-100", "mobile-data-20", False),
        ("data-national-10gb", "mobile-limitless", False),
        ("data-national-10gb", "mobile-europe", True),
        ("data-asia-tech-3gb", "mobile-limitless", True),
    ],
)
def test_the_seeds_exclusions(catalogue: Contract, option: str, plan: str, applies: bool) -> None:
    assert option_applies(Option.objects.get(code=option), TariffPlan.objects.get(code=plan)) is applies


@pytest.mark.spec("R-F2")
def test_a_move_to_limitless_drops_voice_and_national_data(catalogue: Contract) -> None:
    options = list(
        with_exclusions(
            Option.objects.filter(code__in=["data-asia-tech-3gb", "voice-national-100", "data-national-10gb"])
        )
    )
    dropped = incompatible_options(options, TariffPlan.objects.get(code="mobile-limitless"))
    assert sorted(o.code for o in dropped) == ["data-national-10gb", "voice-national-100"]
    assert (
        ContractPlan.objects.filter(contract=catalogue).exists()
        and ContractOption.objects.filter(contract=catalogue).exists()
    )
