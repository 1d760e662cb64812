"""Once an invoice is issued ("invoice.issued", recorded by the run and by a credit note), its
PDF and UBL e-invoice are stored (`invoice_render`) and it is e-mailed (`invoice_send`). A
consumer's batch is one transaction and it is run again only when it failed, so each invoice is
sent once; an account without any delivery address is skipped, its invoice on the portal.

An activated split-bill line ("line.activated") invites its employee (R-B4,
`split_bill_member_invite`); a replayed batch finds the line linked and sends nothing."""

from __future__ import annotations

from django.db.models import QuerySet

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.events import consumer
from fleetportal.core.models import Channel, DomainEvent
from fleetportal.fleet.events import LINE_ACTIVATED
from fleetportal.fleet.models import Line

from .actions_delivery import invoice_send
from .actions_members import split_bill_member_invite
from .events import INVOICE_ISSUED
from .models import Invoice

DELIVERY = Actor(user=None, channel=Channel.SYSTEM, name="Invoice delivery")
SPLIT_BILL = Actor(user=None, channel=Channel.SYSTEM, name="Split bill invitations")


@consumer(INVOICE_ISSUED, name="invoice_documents")
def invoice_issued(events: QuerySet[DomainEvent]) -> None:
    ids = [int(event.object_id) for event in events if event.object_id]
    invoices = Invoice.objects.filter(pk__in=ids).select_related(
        "customer", "billing_account__contract", "line", "member", "corrects"
    )
    for invoice in invoices.order_by("pk"):
        try:
            invoice_send(actor=DELIVERY, invoice=invoice)
        except ActionError:
            continue


@consumer(LINE_ACTIVATED, name="split_bill_invitations")
def line_activated(events: QuerySet[DomainEvent]) -> None:
    ids = [int(event.object_id) for event in events if event.object_id]
    lines = Line.objects.filter(pk__in=ids, split_bill_profile__isnull=False, user=None).select_related("customer")
    for line in lines.order_by("pk"):
        try:
            split_bill_member_invite(actor=SPLIT_BILL, line=line)
        except ActionError:
            continue  # e.g. an e-mail address the invitation refuses: the line stays without a login
