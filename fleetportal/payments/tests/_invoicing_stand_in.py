"""TEMPORARY: a stand-in for `invoicing.actions.invoice_payment_record`, used only while the
invoicing app has not committed it; the signature and refusals are the ones agreed. Installed
by the payments tests' conftest (and the pay e2e test) only when the real one is missing."""

from __future__ import annotations

import sys
import types
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.core.events import EventType
from fleetportal.invoicing.models import Invoice

INVOICE_PAID = EventType("invoice.paid", "Invoice paid")


@transaction.atomic
def invoice_payment_record(*, actor: Actor, invoice: Invoice, amount: Decimal, reference: str) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.PAID:
        raise ActionError(_("This invoice is paid already."), field="amount", code="already_paid")
    if amount > invoice.balance:
        raise ActionError(_("More than the balance."), field="amount", code="over_balance")
    before = {"paid": str(invoice.paid), "status": invoice.status}
    invoice.paid += amount
    invoice.status = Invoice.Status.PAID if invoice.balance <= 0 else Invoice.Status.PARTLY_PAID
    invoice.save(update_fields=["paid", "status"])
    after = {"paid": str(invoice.paid), "status": invoice.status, "reference": reference}
    record(actor=actor, action="invoice.paid", customer=invoice.customer, obj=invoice, before=before, after=after)
    INVOICE_PAID.record(customer=invoice.customer, obj=invoice, data=after)
    return invoice


def install() -> None:
    try:
        from fleetportal.invoicing.actions import invoice_payment_record as real  # noqa: F401
    except ImportError:
        module = types.ModuleType("fleetportal.invoicing.actions")
        module.invoice_payment_record = invoice_payment_record  # type: ignore[attr-defined]
        sys.modules["fleetportal.invoicing.actions"] = module
        import fleetportal.invoicing as package

        package.actions = module  # type: ignore[attr-defined]
