"""factory_boy factories for the foundation: customers with their contract and billing account,
logins and their memberships. The fixtures in `fleetportal/conftest.py` are built from these;
use the factories directly when a test needs more than the fixtures give.

Every login made here has the password `PASSWORD`, a verified e-mail address (allauth's
`EmailAddress`) and, unless told otherwise, a Belgian mobile number of its own.
"""

from __future__ import annotations

from datetime import date

import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory

from fleetportal.accounts.models import Membership, Role, User
from fleetportal.billing.models import BillingAccount
from fleetportal.core.models import Contract, Customer

PASSWORD = "a-Strong-pass-123"  # the password of every test login


class CustomerFactory(DjangoModelFactory[Customer]):
    """A customer with one contract and one billing account (`customer.contracts.first()`)."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n} NV")
    legal_name = factory.LazyAttribute(lambda o: o.name)
    vat_number = factory.Sequence(lambda n: f"BE0{n:09d}")
    language = "nl"
    login_domain = factory.Sequence(lambda n: f"company{n}")
    sms_second_factor = True

    contract = factory.PostGeneration(
        lambda customer, create, extracted, **kw: _add_contract(customer, create, extracted)
    )


def _add_contract(customer: Customer, create: bool, extracted: object) -> None:
    if create and extracted is not False:
        contract = ContractFactory.create(customer=customer)
        BillingAccountFactory.create(customer=customer, contract=contract)


class ContractFactory(DjangoModelFactory[Contract]):
    class Meta:
        model = Contract

    customer = factory.SubFactory(CustomerFactory, contract=False)
    number = factory.Sequence(lambda n: f"C-{100000 + n}")
    start_date = date(2024, 1, 1)
    contact_email = factory.LazyAttribute(lambda o: f"contract@{o.customer.login_domain}.example")
    contact_mobile = factory.Sequence(lambda n: f"+3247190{n % 10000:04d}")


class BillingAccountFactory(DjangoModelFactory[BillingAccount]):
    class Meta:
        model = BillingAccount

    customer = factory.SubFactory(CustomerFactory, contract=False)
    contract = factory.LazyAttribute(
        lambda o: o.customer.contracts.first() or ContractFactory.create(customer=o.customer)
    )
    number = factory.Sequence(lambda n: f"{100000000 + n}")
    name = factory.LazyAttribute(lambda o: o.customer.name)
    invoice_address = "Kunstlaan 1\n1000 Brussel"
    invoice_email = factory.LazyAttribute(lambda o: f"invoices@{o.customer.login_domain}.example")


def _set_password(user: User, create: bool, extracted: str | bool | None) -> None:
    password = PASSWORD if extracted is None else extracted
    if password:
        user.set_password(str(password))
    else:
        user.set_unusable_password()
    if create:
        user.save()
        if password:
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )


class UserFactory(DjangoModelFactory[User]):
    """A login with `PASSWORD` and a verified e-mail address. `password=None` makes a login
    without a usable password (as an invitation creates)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    phone = factory.Sequence(lambda n: f"+3247{n % 10**7:07d}")
    language = "en"
    is_staff = False

    password = factory.PostGeneration(lambda user, create, extracted, **kw: _set_password(user, create, extracted))


class StaffFactory(UserFactory):
    """Operator staff: no membership, no mobile number (so no SMS step)."""

    email = factory.Sequence(lambda n: f"staff{n}@operator.example")
    phone = factory.Sequence(lambda n: "")
    is_staff = True


class MembershipFactory(DjangoModelFactory[Membership]):
    """A VALIDATED membership (role member unless told) of a new login."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    customer = factory.SubFactory(CustomerFactory)
    role = Role.MEMBER
    status = Membership.Status.VALIDATED
    description = factory.LazyAttribute(lambda o: str(o.role).capitalize())
    alias = ""
    functions = factory.LazyFunction(list)


class InvitedMembershipFactory(MembershipFactory):
    """A membership as `user_invite` leaves it: INVITED, the login without a password."""

    user = factory.SubFactory(UserFactory, password=False, phone="", first_name="", last_name="")
    status = Membership.Status.INVITED
