"""Once an invoice is issued ("invoice.issued", recorded by the run and by a credit note), its
PDF and UBL e-invoice are stored (`invoice_render`) and it is e-mailed (`invoice_send`). A
consumer's batch is one transaction and it is run again only when it failed, so each invoice is
sent once; an account without any delivery address is skipped, its invoice on the portal."""

from __future__ import annotations

from django.db.models import QuerySet

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.events import consumer
from fleetportal.core.models import Channel, DomainEvent

from .actions_delivery import invoice_send
from .events import INVOICE_ISSUED
from .models import Invoice

DELIVERY = Actor(user=None, channel=Channel.SYSTEM, name="Invoice delivery")


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
