"""Reads of payments and of the invoices to pay, from `scope` (a foreign id is a 404)."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404

from fleetportal.core.actor import Actor
from fleetportal.core.scope import scope
from fleetportal.invoicing.models import Invoice

from .models import Payment, ProviderEvent


def invoice_to_pay(actor: Actor, invoice_id: int) -> Invoice:
    """An invoice the actor sees (the invoicing app's scope rule); whether they may pay it is
    the action's rule."""
    return get_object_or_404(scope(actor, Invoice).select_related("customer"), pk=invoice_id)


def payments_for(actor: Actor) -> QuerySet[Payment]:
    return scope(actor, Payment).select_related("invoice__customer")


def payment_for(actor: Actor, payment_id: int) -> Payment:
    return get_object_or_404(payments_for(actor), pk=payment_id)


def refund_cases(actor: Actor) -> QuerySet[Payment]:
    """Payments confirmed for an invoice that was paid already, the unsettled ones first."""
    unsettled_first = F("refunded_at").desc(nulls_first=True)
    return payments_for(actor).filter(refund_due=True).order_by(unsettled_first, "-paid_at", "-id")


def provider_calls(actor: Actor) -> QuerySet[ProviderEvent]:
    """The providers' webhook calls, newest first (staff only)."""
    return scope(actor, ProviderEvent).select_related("payment__invoice")
