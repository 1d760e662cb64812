"""factory_boy factories for the catalogue and what a contract retained.

Generic factories: `TariffPlanFactory.create(...)` is typed as a `TariffPlan`. For the seeds'
catalogue use `fleetportal.catalog.demo.load_catalogue` (or the `catalogue` fixture); these
make one-off plans and options for rule tests.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from fleetportal.catalog.models import (
    ContractGroupBundle,
    ContractOption,
    ContractPlan,
    GroupBundleOffer,
    Option,
    TariffPlan,
)
from fleetportal.core.tests.factories import ContractFactory


class TariffPlanFactory(DjangoModelFactory[TariffPlan]):
    class Meta:
        model = TariffPlan
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")
    category = TariffPlan.Category.MOBILE
    list_price = Decimal("10.00")
    data_mb = 1024
    voice_minutes = 100
    sms = None


class OptionFactory(DjangoModelFactory[Option]):
    """An option; `excluded_plans=[plan, …]` makes it "not applicable" to those plans."""

    class Meta:
        model = Option
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"option-{n}")
    name = factory.Sequence(lambda n: f"Option {n}")
    list_price = Decimal("5.00")
    data_mb = 512
    voice_minutes = 0
    sms = 0

    @factory.post_generation
    def excluded_plans(self, create: bool, extracted: list[TariffPlan] | None, **kwargs: object) -> None:
        if create and extracted:
            self.excluded_plans.set(extracted)


class GroupBundleOfferFactory(DjangoModelFactory[GroupBundleOffer]):
    class Meta:
        model = GroupBundleOffer
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"group-{n}")
    name = factory.Sequence(lambda n: f"Group bundle {n}")
    list_price = Decimal("100.00")
    data_mb = 50 * 1024
    voice_minutes = 0
    sms = 0


class ContractPlanFactory(DjangoModelFactory[ContractPlan]):
    class Meta:
        model = ContractPlan

    contract = factory.SubFactory(ContractFactory)
    plan = factory.SubFactory(TariffPlanFactory)
    monthly_price = factory.LazyAttribute(lambda o: o.plan.list_price)


class ContractOptionFactory(DjangoModelFactory[ContractOption]):
    class Meta:
        model = ContractOption

    contract = factory.SubFactory(ContractFactory)
    option = factory.SubFactory(OptionFactory)
    monthly_price = factory.LazyAttribute(lambda o: o.option.list_price)


class ContractGroupBundleFactory(DjangoModelFactory[ContractGroupBundle]):
    class Meta:
        model = ContractGroupBundle

    contract = factory.SubFactory(ContractFactory)
    offer = factory.SubFactory(GroupBundleOfferFactory)
    monthly_price = factory.LazyAttribute(lambda o: o.offer.list_price)
