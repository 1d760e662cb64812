"""factory_boy factories for SIM cards, the number pool, lines and tags.

Every ICCID made here passes the Luhn check; every number is E.164. A `LineFactory` line
belongs to a customer with the plan, billing account and SIM card of that customer (built on
the fly when not given); it is ACTIVE with an IN_USE SIM unless told otherwise.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from fleetportal.billing.models import BillingAccount
from fleetportal.catalog.tests.factories import TariffPlanFactory
from fleetportal.core.tests.factories import BillingAccountFactory, CustomerFactory
from fleetportal.fleet.iccid import luhn_check_digit
from fleetportal.fleet.models import Line, PoolNumber, SimCard, Tag


def make_iccid(n: int) -> str:
    """A valid 19-digit ICCID of the operator's range 8932 99 …, unique per `n`."""
    body = f"893299{n:012d}"
    return body + luhn_check_digit(body)


class SimCardFactory(DjangoModelFactory[SimCard]):
    """A BLANK physical SIM of `customer`'s stock (None: the operator's stock)."""

    class Meta:
        model = SimCard

    iccid = factory.Sequence(make_iccid)
    kind = SimCard.Kind.PHYSICAL
    status = SimCard.Status.BLANK
    customer = None
    imsi = factory.Sequence(lambda n: f"20601{n:010d}")
    pin = factory.Sequence(lambda n: f"{1000 + n % 9000}")
    puk = factory.Sequence(lambda n: f"{10000000 + n % 90000000}")
    activation_code = factory.LazyAttribute(
        lambda o: f"LPA:1$smdp.operator.example${o.iccid[-10:]}" if o.kind == SimCard.Kind.ESIM else ""
    )

    class Params:
        esim = factory.Trait(kind=SimCard.Kind.ESIM)


class PoolNumberFactory(DjangoModelFactory[PoolNumber]):
    """A FREE number of the operator's Belgian range +32 499 …."""

    class Meta:
        model = PoolNumber

    msisdn = factory.Sequence(lambda n: f"+32499{n % 10**6:06d}")
    status = PoolNumber.Status.FREE


class TagFactory(DjangoModelFactory[Tag]):
    class Meta:
        model = Tag

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Cost centre {n}")


def _billing_account(line: object) -> BillingAccount:
    customer = line.customer  # type: ignore[attr-defined]
    return customer.billing_accounts.first() or BillingAccountFactory.create(customer=customer)


class LineFactory(DjangoModelFactory[Line]):
    """An ACTIVE line of `customer` with its own IN_USE SIM card and a number +32 498 …."""

    class Meta:
        model = Line
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    msisdn = factory.Sequence(lambda n: f"+32498{n % 10**6:06d}")
    sim = factory.SubFactory(SimCardFactory, customer=factory.SelfAttribute("..customer"), status=SimCard.Status.IN_USE)
    status = Line.Status.ACTIVE
    plan = factory.SubFactory(TariffPlanFactory)
    billing_account = factory.LazyAttribute(_billing_account)
    description = factory.Sequence(lambda n: f"Line {n}")
    first_name = factory.Sequence(lambda n: f"Employee{n}")
    last_name = factory.Sequence(lambda n: f"Surname{n}")
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}.{o.last_name.lower()}@example.com")
    language = "en"

    @factory.post_generation
    def options(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.options.set(extracted)

    @factory.post_generation
    def tags(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.tags.set(extracted)
