"""Changes made by operator staff (F-93): customers and their contracts, suspending and
reinstating a customer, and the outbox's dead letters.

Changing a customer is an operator admin's; a support agent reads (`require_operator_admin`,
also used by the catalogue and stock actions)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import pycountry
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fleetportal.accounts.actions import holder_invite
from fleetportal.accounts.models import CustomerSuspension, StaffRole, User
from fleetportal.billing.models import BillingAccount
from fleetportal.core import delivery
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import Contract, Customer


def require_operator_admin(actor: Actor) -> None:
    """Customers, the catalogue, prices, the number pool and the SIM stock change only by an
    operator admin's hand; an agent (or anyone else) gets this refusal (a 403)."""
    if not actor.is_operator_admin:
        raise PermissionDeniedError(
            _("Only an operator admin may change customers, the catalogue, prices, the number pool or the SIM stock.")
        )


def check_country(country: str) -> str:
    country = (country or "").strip().upper()
    if len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
        raise ActionError(_("Choose a country (two letters, such as BE or HU)."), field="country")
    return country


def check_currency(currency: str) -> str:
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or pycountry.currencies.get(alpha_3=currency) is None:
        raise ActionError(_("Choose a currency (three letters, such as EUR or HUF)."), field="currency")
    return currency


@dataclass(frozen=True)
class NewCustomer:
    name: str
    vat_number: str
    language: str
    login_domain: str
    contract_number: str
    contract_start: date
    contract_email: str
    contract_mobile: str
    billing_account: str
    country: str = "BE"
    currency: str = "EUR"


@transaction.atomic
def customer_onboard(*, actor: Actor, new: NewCustomer) -> Customer:
    """Create a customer with its contract and first billing account, and invite its contract
    holder by e-mail to create the login (F-04)."""
    require_operator_admin(actor)
    country, currency = check_country(new.country), check_currency(new.currency)
    if Customer.objects.filter(login_domain__iexact=new.login_domain).exists():
        raise ActionError(_("This login domain is already taken."), field="login_domain")
    if Contract.objects.filter(number=new.contract_number).exists():
        raise ActionError(_("This contract number already exists."), field="contract_number")
    if BillingAccount.objects.filter(number=new.billing_account).exists():
        raise ActionError(_("This billing account already exists."), field="billing_account")
    customer = Customer.objects.create(
        name=new.name,
        legal_name=new.name,
        vat_number=new.vat_number,
        language=new.language,
        login_domain=new.login_domain.lower(),
        country=country,
    )
    contract = Contract.objects.create(
        customer=customer,
        number=new.contract_number,
        start_date=new.contract_start,
        contact_email=new.contract_email.lower(),
        contact_mobile=new.contract_mobile,
        currency=currency,
    )
    BillingAccount.objects.create(
        customer=customer,
        contract=contract,
        number=new.billing_account,
        name=new.name,
        invoice_email=new.contract_email.lower(),
    )
    record(
        actor=actor,
        action="customer.created",
        customer=customer,
        obj=customer,
        after={"name": new.name, "contract": new.contract_number, "country": country, "currency": currency},
    )
    holder_invite(actor=actor, customer=customer, email=new.contract_email)
    return customer


@dataclass(frozen=True)
class CustomerChange:
    name: str
    legal_name: str
    vat_number: str
    language: str
    country: str


@dataclass(frozen=True)
class ContractChange:
    start_date: date
    contact_email: str
    contact_mobile: str
    currency: str


def _apply(obj: Customer | Contract, change: CustomerChange | ContractChange) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set the fields that differ; returns (before, after) of those, for the audit."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field in fields(change):
        old, new = getattr(obj, field.name), getattr(change, field.name)
        if old != new:
            before[field.name], after[field.name] = str(old), str(new)
            setattr(obj, field.name, new)
    return before, after


@transaction.atomic
def customer_update(*, actor: Actor, customer: Customer, change: CustomerChange) -> Customer:
    require_operator_admin(actor)
    if not change.name.strip():
        raise ActionError(_("Give the company's name."), field="name")
    change = CustomerChange(**{**change.__dict__, "country": check_country(change.country)})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before, after = _apply(customer, change)
    if after:
        customer.save(update_fields=list(after))
        record(actor=actor, action="customer.updated", customer=customer, obj=customer, before=before, after=after)
    return customer


@transaction.atomic
def contract_update(*, actor: Actor, contract: Contract, change: ContractChange) -> Contract:
    require_operator_admin(actor)
    change = ContractChange(**{**change.__dict__, "currency": check_currency(change.currency)})
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    before, after = _apply(contract, change)
    if after:
        contract.save(update_fields=list(after))
        record(
            actor=actor, action="contract.updated", customer=contract.customer, obj=contract, before=before, after=after
        )
    return contract


@transaction.atomic
def customer_suspend(*, actor: Actor, customer: Customer, reason: str) -> CustomerSuspension:
    """Shut the customer's logins and API keys out (their live sessions end at the next
    request); its data stays as it is."""
    require_operator_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("Say why the customer is suspended."), field="reason")
    if len(reason) > CustomerSuspension._meta.get_field("reason").max_length:  # type: ignore[operator]
        raise ActionError(_("The reason is too long (200 characters at most)."), field="reason")
    suspension, created = CustomerSuspension.objects.get_or_create(
        customer=customer, defaults={"reason": reason, "suspended_by": actor.user}
    )
    if not created:
        raise ActionError(_("This customer is suspended already."), code="conflict")
    record(actor=actor, action="customer.suspended", customer=customer, obj=customer, after={"reason": reason})
    return suspension


@transaction.atomic
def customer_reinstate(*, actor: Actor, customer: Customer) -> None:
    require_operator_admin(actor)
    deleted, _rows = CustomerSuspension.objects.filter(customer=customer).delete()
    if not deleted:
        raise ActionError(_("This customer is not suspended."), code="conflict")
    record(actor=actor, action="customer.reinstated", customer=customer, obj=customer)


@transaction.atomic
def staff_role_set(*, actor: Actor, user: User, role: str) -> None:
    """Make a staff login a support agent or an operator admin. The last operator admin stays
    one, so the back office always has someone who may change it."""
    require_operator_admin(actor)
    if role not in StaffRole.values:
        raise ActionError(_("Choose support agent or operator admin."), field="role")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_staff:
        raise ActionError(_("Only a staff login has a staff role."), field="user")
    if user.staff_role == role:
        return
    admins = User.objects.select_for_update().filter(is_staff=True, is_active=True, staff_role=StaffRole.OPERATOR_ADMIN)
    if user.staff_role == StaffRole.OPERATOR_ADMIN and not admins.exclude(pk=user.pk).exists():
        raise ActionError(_("The last operator admin cannot become a support agent."), field="role", code="conflict")
    before = user.staff_role
    user.staff_role = role
    user.save(update_fields=["staff_role"])
    record(actor=actor, action="staff.role_changed", obj=user, before={"role": before}, after={"role": role})


def dead_letter_redeliver(*, actor: Actor, channel: str, pk: int) -> None:
    """Send a dead-lettered message again, from a fresh series of tries (after the cause, e.g. a
    gateway's credentials, was fixed). Staff only; audited."""
    if not actor.is_staff:
        raise PermissionDeniedError(_("Only operator staff may send a message again."))
    with transaction.atomic():
        if not delivery.redeliver(channel, pk):
            raise ActionError(_("This message cannot be sent again from here."), code="conflict")
        record(actor=actor, action="outbox.redelivered", after={"channel": channel, "id": pk})
