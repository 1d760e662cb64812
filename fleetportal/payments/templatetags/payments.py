"""`{% load payments %}`: `{{ invoice.balance|amount:invoice.currency }}` → "€ 91.61" or
"HUF 25,400.00" (invoicing's `amount`, offered here too);
`{% if invoice|payable_by:request.actor %}`: the policy's rule of who pays an invoice;
`{% pay_url invoice request.actor %}`: where its "Pay" button posts (a phone-number login's
under /me/, the only pages its session opens)."""

from __future__ import annotations

from django import template
from django.urls import reverse

from fleetportal.core.actor import Actor
from fleetportal.invoicing.models import Invoice
from fleetportal.invoicing.templatetags.invoicing import amount
from fleetportal.payments.policy import may_pay

register = template.Library()
register.filter("amount", amount)


@register.filter
def payable_by(invoice: Invoice, actor: Actor | None) -> bool:
    return actor is not None and may_pay(actor, invoice)


@register.simple_tag
def pay_url(invoice: Invoice, actor: Actor) -> str:
    return reverse("me_pay" if actor.number is not None else "payments:pay", args=[invoice.pk])
