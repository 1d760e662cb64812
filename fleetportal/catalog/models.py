"""What the operator sells and what each contract retained, at which price (F-72, F-28, F-29).

The operator's catalogue (plans, options, group bundle offers) has list prices and bundles; a
contract retains some of them with its own monthly price. An option may be "not applicable" to
some plans (the contract matrix's empty cells): `Option.excluded_plans`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Contract


class Bundle(models.Model):
    """What a plan, option or group bundle includes each month; None means unlimited."""

    data_mb = models.PositiveIntegerField(_("data (MB)"), null=True, blank=True)
    voice_minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    sms = models.PositiveIntegerField(_("SMS"), null=True, blank=True)

    class Meta:
        abstract = True


class TariffPlan(Bundle):
    class Category(models.TextChoices):
        MOBILE = "mobile", _("Mobile subscriptions")
        DATA = "data", _("Mobile data subscriptions")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    list_price = models.DecimalField(_("monthly price"), max_digits=8, decimal_places=2)
    sort_order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["category", "sort_order", "name"]
        verbose_name = _("tariff plan")
        verbose_name_plural = _("tariff plans")

    def __str__(self) -> str:
        return self.name


class Option(Bundle):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    list_price = models.DecimalField(_("monthly price"), max_digits=8, decimal_places=2)
    excluded_plans = models.ManyToManyField(
        TariffPlan, blank=True, related_name="excluded_options", verbose_name=_("not applicable to")
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return self.name


class GroupBundleOffer(Bundle):
    """A data/voice pool shared by chosen lines of a contract (F-50)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    list_price = models.DecimalField(_("monthly price"), max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["list_price"]
        verbose_name = _("group bundle")
        verbose_name_plural = _("group bundles")

    def __str__(self) -> str:
        return self.name


class ContractPlan(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="plans")
    plan = models.ForeignKey(TariffPlan, on_delete=models.PROTECT, related_name="+")
    monthly_price = models.DecimalField(_("monthly price"), max_digits=8, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "plan"], name="plan_once_per_contract")]

    def __str__(self) -> str:
        return f"{self.contract}: {self.plan} {self.monthly_price}"


class ContractOption(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="options")
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="+")
    monthly_price = models.DecimalField(_("monthly price"), max_digits=8, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "option"], name="option_once_per_contract")]

    def __str__(self) -> str:
        return f"{self.contract}: {self.option} {self.monthly_price}"


class ContractGroupBundle(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="group_bundles")
    offer = models.ForeignKey(GroupBundleOffer, on_delete=models.PROTECT, related_name="+")
    monthly_price = models.DecimalField(_("monthly price"), max_digits=8, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "offer"], name="bundle_once_per_contract")]

    def __str__(self) -> str:
        return f"{self.contract}: {self.offer}"
