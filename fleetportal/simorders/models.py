"""Blank SIM card orders (F-71): a customer orders blank cards, in tens, to a delivery address
(the seeds' fields). The operator ships them the next business day and they arrive within two
business days of the order (`delivery.py`); on delivery the cards join the customer's blank
stock, where the Add SIM wizard finds them (`fleet.selectors.blank_sims_for`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Customer
from fleetportal.fleet.models import SimCard


class SimOrder(models.Model):
    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")

    class Country(models.TextChoices):
        """Where the operator delivers: its two markets, whose public holidays it knows."""

        BE = "BE", _("Belgium")
        HU = "HU", _("Hungary")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sim_orders")
    quantity = models.PositiveIntegerField(_("number of SIM cards"))
    kind = models.CharField(_("type"), max_length=10, choices=SimCard.Kind.choices, default=SimCard.Kind.PHYSICAL)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.BE)
    postal_code = models.CharField(_("postal code"), max_length=10)
    locality = models.CharField(_("locality"), max_length=100)
    street = models.CharField(_("street"), max_length=200)
    number = models.CharField(_("number"), max_length=10)
    suffix = models.CharField(_("number suffix"), max_length=10, blank=True)
    box = models.CharField(_("box"), max_length=10, blank=True)
    message = models.TextField(_("your message"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ORDERED)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    # The fulfilment's plan, from the order's date in the delivery country (business days).
    ships_on = models.DateField(_("ships on"))
    expected_on = models.DateField(_("expected delivery"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # The blank cards the delivery put in the customer's stock.
    cards = models.ManyToManyField(SimCard, blank=True, related_name="sim_orders", verbose_name=_("SIM cards"))

    class Meta:
        ordering = ("-ordered_at", "-id")
        indexes = [
            models.Index(fields=["customer", "-ordered_at"]),
            models.Index(fields=["status", "ships_on"]),
            models.Index(fields=["status", "expected_on"]),
        ]
        verbose_name = _("blank SIM card order")
        verbose_name_plural = _("blank SIM card orders")

    def __str__(self) -> str:
        return f"#{self.pk} {self.quantity} × {self.get_kind_display()}"
