"""Changes made by operator staff (F-93): customers and their contracts, and the outbox's dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fleetportal.accounts.actions import holder_invite
from fleetportal.billing.models import BillingAccount
from fleetportal.core import delivery
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import Contract, Customer


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


@transaction.atomic
def customer_onboard(*, actor: Actor, new: NewCustomer) -> Customer:
    """Create a customer with its contract and first billing account, and invite its contract
    holder by e-mail to create the login."""
    if not actor.is_staff:
        raise PermissionDeniedError(_("Only operator staff can add customers."))
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
    )
    contract = Contract.objects.create(
        customer=customer,
        number=new.contract_number,
        start_date=new.contract_start,
        contact_email=new.contract_email.lower(),
        contact_mobile=new.contract_mobile,
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
        after={"name": new.name, "contract": new.contract_number},
    )
    holder_invite(actor=actor, customer=customer, email=new.contract_email)
    return customer


def dead_letter_redeliver(*, actor: Actor, channel: str, pk: int) -> None:
    """Send a dead-lettered message again, from a fresh series of tries (after the cause, e.g. a
    gateway's credentials, was fixed). Staff only; audited."""
    if not actor.is_staff:
        raise PermissionDeniedError(_("Only operator staff may send a message again."))
    with transaction.atomic():
        if not delivery.redeliver(channel, pk):
            raise ActionError(_("This message cannot be sent again from here."), code="conflict")
        record(actor=actor, action="outbox.redelivered", after={"channel": channel, "id": pk})
