"""The events of invoicing (webhooks and the delivery e-mail consume them).

data of each: {"number", "kind", "period", "total_incl_vat", "currency"}; "invoice.paid" adds
{"amount", "reference", "paid", "status"}.
"""

from django.utils.translation import gettext_lazy as _

from fleetportal.core.events import EventType

INVOICE_ISSUED = EventType("invoice.issued", _("Invoice issued"))
INVOICE_CREDITED = EventType("invoice.credited", _("Invoice credited"))
INVOICE_PAID = EventType("invoice.paid", _("Invoice paid"))
