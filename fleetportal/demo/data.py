"""Demo data: a living operator with two customers, every role and both login statuses.

Idempotent: running it again leaves the data as it is. Later parts of the portal add their
own demo data here (lines, invoices, tickets).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction

from fleetportal.accounts.models import Membership, Role, StaffRole, User
from fleetportal.billing.models import BillingAccount
from fleetportal.catalog.demo import load_catalogue, retain_for
from fleetportal.core.models import Contract, Customer
from fleetportal.fleet.demo import load_fleet
from fleetportal.simorders.demo import load_sim_orders
from fleetportal.support.demo import load_tickets

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (shown on the login page in demo mode)


def _login(
    email: str,
    *,
    first: str,
    last: str,
    phone: str,
    language: str,
    customer: Customer | None,
    role: str | None = None,
    alias: str = "",
    description: str = "",
    staff: bool = False,
    staff_role: str = StaffRole.SUPPORT_AGENT,
) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first,
            "last_name": last,
            "phone": phone,
            "language": language,
            "is_staff": staff,
            "staff_role": staff_role,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if customer is not None and role is not None:
        Membership.objects.get_or_create(
            user=user,
            customer=customer,
            defaults={"role": role, "status": Membership.Status.VALIDATED, "alias": alias, "description": description},
        )
    return user


def _invited(email: str, customer: Customer, role: str, description: str) -> None:
    user, _ = User.objects.get_or_create(email=email, defaults={"language": customer.language})
    Membership.objects.get_or_create(
        user=user,
        customer=customer,
        defaults={"role": role, "status": Membership.Status.INVITED, "description": description},
    )


def _customer(
    name: str,
    *,
    domain: str,
    vat: str,
    language: str,
    contract: str,
    email: str,
    mobile: str,
    account: str,
    address: str,
) -> Customer:
    customer, _ = Customer.objects.get_or_create(
        login_domain=domain, defaults={"name": name, "legal_name": name, "vat_number": vat, "language": language}
    )
    contract_obj, _ = Contract.objects.get_or_create(
        number=contract,
        defaults={
            "customer": customer,
            "start_date": date(2024, 1, 1),
            "contact_email": email,
            "contact_mobile": mobile,
        },
    )
    BillingAccount.objects.get_or_create(
        number=account,
        defaults={
            "customer": customer,
            "contract": contract_obj,
            "name": name,
            "invoice_address": address,
            "invoice_email": f"invoices@{domain}.example",
        },
    )
    return customer


@transaction.atomic
def load() -> None:
    acme = _customer(
        "Acme Belgium NV",
        domain="acme",
        vat="BE0123456749",
        language="nl",
        contract="C-100200",
        email="holder@acme.example",
        mobile="+32470000001",
        account="100457319",
        address="Kunstlaan 1\n1000 Brussel",
    )
    globex = _customer(
        "Globex Kft",
        domain="globex",
        vat="HU12345676",
        language="hu",
        contract="C-360001",
        email="admin@globex.example",
        mobile="+36300000001",
        account="360000017",
        address="Andrássy út 1\n1061 Budapest",
    )
    _login(
        "staff@operator.example",
        first="Olivia",
        last="Operator",
        phone="",
        language="en",
        customer=None,
        staff=True,
        staff_role=StaffRole.OPERATOR_ADMIN,  # the back office's every page (F-93)
    )
    _login("agent@operator.example", first="Sam", last="Support", phone="", language="en", customer=None, staff=True)
    _login(
        "holder@acme.example",
        first="Hanne",
        last="Holder",
        phone="+32470000001",
        language="nl",
        customer=acme,
        role=Role.HOLDER,
        alias="admin",
        description="Zaakvoerder",
    )
    _login(
        "manager@acme.example",
        first="Marc",
        last="Manager",
        phone="+32470000002",
        language="nl",
        customer=acme,
        role=Role.MANAGER,
        alias="manager",
        description="Fleet manager",
    )
    _login(
        "member@acme.example",
        first="Mia",
        last="Member",
        phone="+32470000003",
        language="fr",
        customer=acme,
        role=Role.MEMBER,
        alias="mia",
        description="Sales",
    )
    _login(
        "admin@globex.example",
        first="Gábor",
        last="Kovács",
        phone="+36300000001",
        language="hu",
        customer=globex,
        role=Role.HOLDER,
        alias="admin",
        description="Ügyvezető",
    )
    _invited("new.manager@acme.example", acme, Role.MANAGER, "IT")
    _invited("new.employee@acme.example", acme, Role.MEMBER, "Support")
    load_catalogue()
    retain_for(acme.contracts.get())
    retain_for(globex.contracts.get(), discount=Decimal("0.10"))
    load_fleet()
    load_tickets()  # after the fleet: a ticket names two of Acme's lines
    load_sim_orders()
