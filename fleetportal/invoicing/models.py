"""Invoices (SPEC §7: F-60, F-61, F-63; R-B1..R-B4) and the monthly runs that issue them.

An invoice is issued once and never edited: a wrong one is cancelled by a credit note (an
`Invoice` of kind CREDIT_NOTE naming it in `corrects`, with the opposite amounts). Numbers run
without gaps per operator and year (`InvoiceNumber` holds the last one and is locked while a
number is taken), so parallel runs never share or skip one. Amounts are `Decimal`, rounded per
item to the cent (or to the currency's unit), totals summed from the rounded items.

A company invoice goes to a billing account for a period; a private invoice (split bill, F-63)
goes to the employee of one line for the personal part of its usage.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fleetportal.billing.models import BillingAccount
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line

ZERO = Decimal(0)


def _money(label: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=ZERO)


class InvoiceRun(models.Model):
    """One run of the invoice job for a period (all customers, or one on demand by staff)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    period = models.DateField(_("period"))  # the first day of the month invoiced
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    accounts = models.PositiveIntegerField(_("billing accounts"), default=0)
    accounts_done = models.PositiveIntegerField(default=0)
    invoices = models.PositiveIntegerField(_("invoices"), default=0)
    skipped = models.PositiveIntegerField(_("already invoiced"), default=0)
    problems = models.PositiveIntegerField(_("not invoiced (problem)"), default=0)
    total_excl_vat = _money(_("total excl. VAT"))
    total_incl_vat = _money(_("total incl. VAT"))
    error = models.CharField(max_length=200, blank=True)
    created_by_label = models.CharField(_("by"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m}"


class InvoiceRunProblem(models.Model):
    """A billing account a run could not invoice (e.g. a customer country without a VAT rate):
    the run goes on with the others and a re-run after the fix invoices it."""

    run = models.ForeignKey(InvoiceRun, on_delete=models.CASCADE, related_name="problem_rows")
    billing_account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=30)
    message = models.CharField(max_length=200)

    class Meta:
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.billing_account}: {self.code}"


class InvoiceNumber(models.Model):
    """The last invoice number taken in a year (per operator: one row per year)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Invoice")
        PRIVATE = "private", _("Private invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        CREDITED = "credited", _("Credited")
        # Overdue is not stored: an open or partly paid invoice past its due date (`is_overdue`).

    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.COMPANY)
    number = models.CharField(_("invoice number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    billing_account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="invoices")
    # A private invoice's line and employee (split bill): they see and pay it (F-64).
    line = models.ForeignKey(Line, null=True, blank=True, on_delete=models.PROTECT, related_name="private_invoices")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="private_invoices"
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("corrects")
    )
    run = models.ForeignKey(InvoiceRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="issued")
    period = models.DateField(_("period"))
    issued_on = models.DateField(_("invoice date"))
    due_on = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="nl")
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    total_excl_vat = _money(_("amount excl. VAT"))
    vat = _money(_("VAT"))
    total_incl_vat = _money(_("amount incl. VAT"))
    paid = _money(_("paid"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    # Belgian structured communication of a bank transfer: +++123/4567/89012+++ (digits only here).
    structured_communication = models.CharField(_("structured communication"), max_length=12, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="invoices/pdf/", blank=True)
    ubl = models.FileField(_("e-invoice (UBL)"), upload_to="invoices/ubl/", blank=True)
    # A credit note's reason, as staff gave it.
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-issued_on", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_sequence_once"),
            # Re-running a period never issues an invoice twice.
            models.UniqueConstraint(
                fields=["billing_account", "period"], condition=Q(kind="company"), name="one_company_invoice_per_period"
            ),
            models.UniqueConstraint(
                fields=["line", "period"], condition=Q(kind="private"), name="one_private_invoice_per_period"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-issued_on"]),
            models.Index(fields=["billing_account", "-issued_on"]),
            models.Index(fields=["structured_communication"]),
        ]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> Decimal:
        """What is still to pay, incl. VAT (negative for a credit note not yet refunded)."""
        return self.total_incl_vat - self.paid


class InvoiceItem(models.Model):
    """One priced item of an invoice, rounded on its own; `line` is the number it is for."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Subscription")
        OPTION = "option", _("Option")
        POOL = "pool", _("Group bundle")
        USAGE = "usage", _("Out-of-bundle usage")
        THIRD_PARTY = "third_party", _("Third-party charges")
        PERSONAL = "personal", _("Personal usage")
        CORRECTION = "correction", _("Correction")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    line = models.ForeignKey(Line, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=200)
    # Pro rata and usage: e.g. 12/30 days, 340 MB, 25 minutes; blank for a plain fee.
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=4, default=Decimal(1))
    unit = models.CharField(_("unit"), max_length=12, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=6, default=ZERO)
    amount = _money(_("amount excl. VAT"))
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["invoice", "sort", "id"]
        indexes = [models.Index(fields=["line", "invoice"])]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.description} {self.amount}"


class PersonalCharge(models.Model):
    """The employee's part of a split-bill line for one period (F-63), whether invoiced or not.

    Every run writes one per split-bill line and period (even 0), so R-B3 can count the periods
    without a private invoice; `invoice` is set when a private invoice takes it, which it does
    with all the line's earlier ones still open, so an amount is invoiced once and never lost.
    `items` are the invoice items it becomes: [{kind, description, quantity, unit, unit_price,
    amount}] with amounts as strings, already rounded.
    """

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="personal_charges")
    billing_account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("period"))
    amount = _money(_("amount excl. VAT"))
    items = models.JSONField(default=list, blank=True)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="personal_charges"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line", "period"]
        constraints = [models.UniqueConstraint(fields=["line", "period"], name="one_personal_charge_per_period")]
        indexes = [models.Index(fields=["billing_account", "period"])]

    def __str__(self) -> str:
        return f"{self.line} {self.period:%Y-%m}: {self.amount}"


class BankStatementEntry(models.Model):
    """A credit line of an imported bank statement (CAMT.053 or CODA), kept once per bank
    reference: importing the same statement again finds it here and records nothing. A line
    that names no payable invoice stays `UNMATCHED` for staff to match by hand."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("Matched")
        ALREADY_PAID = "already_paid", _("Already paid")
        UNMATCHED = "unmatched", _("Unmatched")

    reference = models.CharField(_("bank reference"), max_length=140, unique=True)
    statement = models.CharField(_("statement"), max_length=200, blank=True)
    booked_on = models.DateField(_("booking date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    communication = models.CharField(_("structured communication"), max_length=12, blank=True)
    text = models.CharField(_("communication"), max_length=200, blank=True)
    counterparty = models.CharField(_("paid by"), max_length=140, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_entries", verbose_name=_("invoice")
    )
    imported_by_label = models.CharField(_("by"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-booked_on", "-id"]
        indexes = [models.Index(fields=["outcome", "-booked_on"])]
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount} {self.currency}"
