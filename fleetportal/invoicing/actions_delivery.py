"""Delivering an issued invoice (F-61): the e-mail with its PDF attached, through the outbox,
to the billing account's delivery address (a private invoice: to its employee), in the
invoice's language. The consumer of "invoice.issued" sends it once the documents are stored;
staff and the account's billing managers send it again with the same action."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from fleetportal.core import scope
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import Channel
from fleetportal.notifications import outbox
from fleetportal.notifications.models import OutboxMessage

from . import ogm
from .documents import invoice_render
from .models import Invoice


def _may_send(actor: Actor, invoice: Invoice) -> bool:
    portal_job = actor.user is None and actor.api_key is None and actor.channel in (Channel.SYSTEM, Channel.JOB)
    if actor.is_staff or portal_job:
        return True
    return scope.scope(actor, Invoice, scope.CHANGE).filter(pk=invoice.pk).exists()


def recipient_of(invoice: Invoice) -> str:
    """The employee of a private invoice, else the account's delivery address (or the contract's)."""
    if invoice.member is not None and invoice.member.email:
        return invoice.member.email
    if invoice.kind == Invoice.Kind.PRIVATE and invoice.line is not None and invoice.line.email:
        return invoice.line.email
    account = invoice.billing_account
    return account.invoice_email or account.contract.contact_email


@transaction.atomic
def invoice_send(*, actor: Actor, invoice: Invoice) -> OutboxMessage:
    if not _may_send(actor, invoice):
        raise PermissionDeniedError(_("You may not send this invoice."))
    to = recipient_of(invoice)
    if not to:
        raise ActionError(_("The billing account has no invoice delivery e-mail address."), field="invoice_email")
    invoice_render(invoice)
    invoice.pdf.open("rb")
    try:
        pdf = invoice.pdf.read()
    finally:
        invoice.pdf.close()
    digits = invoice.structured_communication
    message = outbox.send_email(
        to=to,
        template="invoicing/email/invoice",
        context={
            "invoice": invoice,
            "customer": invoice.customer.name,
            "communication": ogm.formatted(digits) if digits else "",
        },
        language=invoice.language,
        customer=invoice.customer,
        attachments=[outbox.Attachment(f"{invoice.number}.pdf", "application/pdf", pdf)],
    )
    record(
        actor=actor,
        action="invoice.sent",
        customer=invoice.customer,
        obj=invoice,
        after={"number": invoice.number, "to": to},
    )
    return message
