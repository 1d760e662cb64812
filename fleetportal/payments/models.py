"""Online payments of invoices (F-62, F-64; QUALITY S14).

A `Payment` is one attempt to pay an invoice's balance through a provider (the built-in test
provider or Mollie). It moves once from an open state (created, open) to a final one, by one
conditional UPDATE that also bumps `version`, so duplicate, late and reordered webhooks give
one transition; only the transition to paid books the amount on the invoice. A payment the
provider confirms for an invoice that was paid meanwhile is never booked a second time: it is
flagged `refund_due` and listed for staff until they refund it.

`ProviderEvent` is the log of what each provider called us with (webhooks) and what came of it;
`TestCheckout` is the provider side of the built-in test provider (its own "bank").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fleetportal.invoicing.models import ZERO, Invoice


class Method(models.TextChoices):
    CARD = "card", _("Card")
    BANCONTACT = "bancontact", _("Bancontact")
    IDEAL = "ideal", _("iDEAL")


class Payment(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        OPEN = "open", _("Waiting for the payer")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")
        EXPIRED = "expired", _("Expired")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("invoice"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=ZERO)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    provider = models.CharField(_("provider"), max_length=20)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CREATED)
    checkout_url = models.URLField(_("checkout"), max_length=500, blank=True)
    # Why the provider refused to start it, for the payer's message and the staff list.
    error = models.CharField(max_length=200, blank=True)
    # Confirmed by the provider for an invoice that was paid (or credited) meanwhile: the money
    # goes back to the payer, it is never booked twice.
    refund_due = models.BooleanField(_("refund due"), default=False)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_label = models.CharField(_("by"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    OPEN_STATES = (Status.CREATED, Status.OPEN)
    FINAL_STATES = (Status.PAID, Status.FAILED, Status.CANCELED, Status.EXPIRED)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_id"], condition=~Q(provider_id=""), name="payment_provider_id_once"
            ),
            # At most one payment under way per invoice, even when two payers click at once.
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(status__in=["created", "open"]), name="one_open_payment_per_invoice"
            ),
        ]
        indexes = [models.Index(fields=["refund_due", "-created_at"])]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.invoice.number} {self.provider}:{self.provider_id or self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES


class ProviderEvent(models.Model):
    """One call of a provider's webhook: what arrived, when, and what the portal made of it."""

    class Outcome(models.TextChoices):
        CHANGED = "changed", _("Status changed")
        UNCHANGED = "unchanged", _("No change (already known)")
        REFUND_DUE = "refund_due", _("Paid twice: refund due")
        UNKNOWN = "unknown", _("Unknown payment")
        BAD_REQUEST = "bad_request", _("Bad request")
        PROVIDER_ERROR = "provider_error", _("Provider not reachable")

    provider = models.CharField(_("provider"), max_length=20)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    # The provider's status as re-fetched, and the payment's status before → after.
    provider_status = models.CharField(_("provider's status"), max_length=20, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("provider call")
        verbose_name_plural = _("provider calls")

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_id} {self.outcome}"


class TestCheckout(models.Model):
    """A payment as the built-in test provider keeps it (its side, not the portal's): the
    checkout page reads it by `token`, its "fetch" answers from it."""

    __test__ = False  # not a pytest class

    provider_id = models.CharField(max_length=30, unique=True)  # "tst_…", what the webhook carries
    token = models.CharField(max_length=43, unique=True)  # the checkout page's secret address
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200)
    redirect_url = models.URLField(max_length=500)
    webhook_url = models.URLField(max_length=500)
    status = models.CharField(max_length=10, default=Payment.Status.OPEN)
    method = models.CharField(max_length=12, choices=Method.choices, blank=True)
    metadata = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.provider_id
