"""Reads of invoices for the overview, the downloads and the API (F-61, F-64), all from
`scope` (a foreign id is a 404): filters by billing account, year and status, where "overdue"
is an open or partly paid invoice past its due date (not stored: it becomes true by itself).

The open balance incl. VAT is the sum of every invoice's total less what was paid, credit notes
included: a credited unpaid invoice and its note cancel out, a credited paid one leaves the
customer a credit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.billing.models import BillingAccount, DirectDebitMandate
from fleetportal.billing.selectors import billing_accounts_for
from fleetportal.core.actor import Actor
from fleetportal.core.scope import scope, sees_all_of_customer

from .models import Invoice

OVERDUE = "overdue"
UNPAID = (Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID)
# The statuses the overview shows and filters by (overdue is worked out, never stored).
STATUSES: dict[str, object] = {
    Invoice.Status.OPEN: _("Open"),
    Invoice.Status.PARTLY_PAID: _("Partly paid"),
    Invoice.Status.PAID: _("Paid"),
    OVERDUE: _("Overdue"),
    Invoice.Status.CREDITED: _("Credited"),
}
ZERO = Decimal(0)


def is_overdue(invoice: Invoice, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return invoice.kind != Invoice.Kind.CREDIT_NOTE and invoice.status in UNPAID and invoice.due_on < today


def status_of(invoice: Invoice, today: dt.date | None = None) -> str:
    """open, partly_paid, paid, overdue or credited, as the overview shows it."""
    return OVERDUE if is_overdue(invoice, today) else invoice.status


def invoices_for(actor: Actor) -> QuerySet[Invoice]:
    return scope(actor, Invoice).select_related("billing_account", "customer")


def invoice_for(actor: Actor, invoice_id: int) -> Invoice:
    return get_object_or_404(invoices_for(actor).select_related("line", "member", "corrects"), pk=invoice_id)


def my_invoices(actor: Actor) -> QuerySet[Invoice]:
    """A member's own private invoices (F-64): a phone-number login's are its number's (the
    scope rule's), a full login's those of its user."""
    visible = invoices_for(actor)
    return visible if actor.number is not None else visible.filter(member=actor.user)


def sees_account_invoices(actor: Actor) -> bool:
    """Whether the actor sees every invoice of its customer (a billing manager, staff, a key)."""
    return sees_all_of_customer(actor, Invoice)


def _overdue_q(today: dt.date) -> Q:
    return Q(status__in=UNPAID, due_on__lt=today) & ~Q(kind=Invoice.Kind.CREDIT_NOTE)


def filtered(
    invoices: QuerySet[Invoice],
    *,
    account: int | None = None,
    year: int | None = None,
    status: str = "",
    today: dt.date | None = None,
) -> QuerySet[Invoice]:
    today = today or timezone.localdate()
    if account:
        invoices = invoices.filter(billing_account_id=account)
    if year:
        invoices = invoices.filter(issued_on__year=year)
    if status == OVERDUE:
        invoices = invoices.filter(_overdue_q(today))
    elif status in UNPAID:
        invoices = invoices.filter(status=status).exclude(_overdue_q(today))
    elif status in STATUSES:
        invoices = invoices.filter(status=status)
    return invoices


@dataclass(frozen=True)
class Totals:
    excl_vat: Decimal
    incl_vat: Decimal
    balance: Decimal
    currency: str = "EUR"


def _sum(expression: object) -> Coalesce:
    return Coalesce(Sum(expression), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))


def totals_of(invoices: QuerySet[Invoice]) -> Totals:
    sums = invoices.order_by().aggregate(
        excl=_sum(F("total_excl_vat")), incl=_sum(F("total_incl_vat")), balance=_sum(F("total_incl_vat") - F("paid"))
    )
    currencies = list(invoices.order_by().values_list("currency", flat=True).distinct()[:2])
    currency = currencies[0] if len(currencies) == 1 else "EUR"
    cents = Decimal("0.01")  # SQLite sums decimals as floats: back to cents
    return Totals(
        excl_vat=Decimal(sums["excl"]).quantize(cents),
        incl_vat=Decimal(sums["incl"]).quantize(cents),
        balance=Decimal(sums["balance"]).quantize(cents),
        currency=currency,
    )


def years_of(invoices: QuerySet[Invoice]) -> list[int]:
    return sorted({day.year for day in invoices.order_by().dates("issued_on", "year")}, reverse=True)


@dataclass(frozen=True)
class AccountSummary:
    account: BillingAccount
    balance: Decimal
    mandate: DirectDebitMandate | None


def accounts_overview(actor: Actor, invoices: QuerySet[Invoice]) -> list[AccountSummary]:
    """Each billing account the actor sees, with its open balance incl. VAT."""
    balances = dict(
        invoices.order_by()
        .values_list("billing_account_id")
        .annotate(open_balance=_sum(F("total_incl_vat") - F("paid")))
        .values_list("billing_account_id", "open_balance")
    )
    accounts = billing_accounts_for(actor).prefetch_related("mandates")
    summaries = []
    for account in accounts:
        mandate = next((m for m in account.mandates.all() if m.status != DirectDebitMandate.Status.REVOKED), None)
        balance = Decimal(balances.get(account.pk, ZERO)).quantize(Decimal("0.01"))
        summaries.append(AccountSummary(account=account, balance=balance, mandate=mandate))
    return summaries


def account_for(actor: Actor, account_id: int) -> BillingAccount:
    """A billing account whose invoices and payment mode the actor manages (billing right)."""
    if not sees_account_invoices(actor):
        raise Http404
    return get_object_or_404(billing_accounts_for(actor), pk=account_id)


def mandates_for(actor: Actor) -> QuerySet[DirectDebitMandate]:
    return scope(actor, DirectDebitMandate).select_related("account")
