"""Billing: the customer's billing accounts and split-bill profiles; invoices, payments and the
invoice run come later (F-60..F-64)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Contract, Customer


class BillingAccount(models.Model):
    class PaymentMode(models.TextChoices):
        TRANSFER = "transfer", _("Bank transfer")
        DIRECT_DEBIT = "direct_debit", _("Direct debit")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="billing_accounts")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="billing_accounts")
    number = models.CharField(_("billing account"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    invoice_address = models.TextField(_("invoice address"), blank=True)
    payment_mode = models.CharField(
        _("payment mode"), max_length=20, choices=PaymentMode.choices, default=PaymentMode.TRANSFER
    )
    invoice_email = models.EmailField(_("invoice delivery e-mail"), blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("billing account")
        verbose_name_plural = _("billing accounts")

    def __str__(self) -> str:
        return self.number


# The traffic a split-bill profile may leave to the employer: usage kinds and zones as the
# usage records name them (usage.UsageRecord.Kind, catalog.UsageZone; billing sits below both
# layers, so the codes are spelled here and a test checks they match). Third-party charges
# are never the employer's (R-B1), so they are no choice.
TRAFFIC_KINDS = ("voice", "sms", "mms", "data")
TRAFFIC_ZONES = ("national", "eu", "world_1", "world_2", "world_3", "international")


def all_kinds() -> list[str]:
    return list(TRAFFIC_KINDS)


def all_zones() -> list[str]:
    return list(TRAFFIC_ZONES)


class SplitBillProfile(models.Model):
    """What the employer pays for a line; the employee pays the rest on a private invoice (F-63).

    The employer covers the plan fee and the options when the profile says so, and the line's
    out-of-bundle usage of the chosen kinds in the chosen zones up to `employer_usage_cap` a
    month (no carry-over of what is left, R-B2); everything else is the employee's.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="split_bill_profiles")
    name = models.CharField(_("name"), max_length=100)
    employer_pays_plan = models.BooleanField(_("employer pays the plan fee"), default=True)
    employer_usage_cap = models.DecimalField(
        _("employer pays usage up to (EUR)"), max_digits=8, decimal_places=2, default=Decimal(0)
    )
    employer_pays_options = models.BooleanField(_("employer pays the options"), default=True)
    employer_kinds = models.JSONField(_("traffic types the employer pays"), default=all_kinds, blank=True)
    employer_zones = models.JSONField(_("zones the employer pays"), default=all_zones, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="split_profile_name_unique")]
        verbose_name = _("split-bill profile")
        verbose_name_plural = _("split-bill profiles")

    def __str__(self) -> str:
        return self.name


class DirectDebitMandate(models.Model):
    """A SEPA direct debit mandate a billing account's manager requested (F-61): the account is
    debited from this IBAN once the mandate is signed. The mandate id (`reference`) and the
    signature date are what the bank asks for with each collection."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="mandates")
    reference = models.CharField(_("mandate id"), max_length=35, unique=True)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    holder_name = models.CharField(_("account holder"), max_length=70)
    signed_on = models.DateField(_("signature date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    created_by_label = models.CharField(_("by"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("direct debit mandate")
        verbose_name_plural = _("direct debit mandates")

    def __str__(self) -> str:
        return self.reference
