"""`{% load payments %}`: `{{ invoice.balance|amount:invoice.currency }}` → "€ 91.61" (the
catalogue's `money`) or "HUF 25,400.00" for another currency, in the language's number format;
`{% if invoice|payable_by:request.actor %}`: the action's rule of who pays an invoice."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from fleetportal.catalog.templatetags.catalog import money
from fleetportal.core.actor import Actor
from fleetportal.invoicing.models import Invoice
from fleetportal.payments.actions import may_pay

register = template.Library()


@register.filter
def amount(value: Decimal | None, currency: str = "EUR") -> str:
    if value is None or currency == "EUR":
        return money(value)
    return f"{currency}\N{NO-BREAK SPACE}{number_format(value, 2, use_l10n=True, force_grouping=True)}"


@register.filter
def payable_by(invoice: Invoice, actor: Actor | None) -> bool:
    return actor is not None and may_pay(actor, invoice)
