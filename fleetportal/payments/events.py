"""The events online payments record (webhooks and consumers may subscribe to them)."""

from django.utils.translation import gettext_lazy as _

from fleetportal.core.events import EventType

# data of each: {"payment": id, "invoice": number, "amount": "12.34", "currency": "EUR", "provider": name}
PAYMENT_STARTED = EventType("payment.started", _("Online payment started"))
PAYMENT_PAID = EventType("payment.paid", _("Online payment received"))
# failed, canceled by the payer or expired at the provider: data also holds "status".
PAYMENT_UNSUCCESSFUL = EventType("payment.unsuccessful", _("Online payment not completed"))
# Confirmed by the provider for an invoice that was paid or credited meanwhile: to refund.
PAYMENT_REFUND_DUE = EventType("payment.refund_due", _("Online payment to refund"))
