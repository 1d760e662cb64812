"""`{% load payments %}`: `{{ invoice.balance|amount:invoice.currency }}` → "€ 91.61" or
"HUF 25,400.00" (invoicing's `amount`, offered here too);
`{% if invoice|payable_by:request.actor %}`: the action's rule of who pays an invoice."""

from __future__ import annotations

from django import template

from fleetportal.core.actor import Actor
from fleetportal.invoicing.models import Invoice
from fleetportal.invoicing.templatetags.invoicing import amount
from fleetportal.payments.actions import may_pay

register = template.Library()
register.filter("amount", amount)


@register.filter
def payable_by(invoice: Invoice, actor: Actor | None) -> bool:
    return actor is not None and may_pay(actor, invoice)
