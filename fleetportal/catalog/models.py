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


class UsageZone(models.TextChoices):
    """Where a usage record happened (F-55). National and EU ("roam like at home") draw from the
    bundles; the world zones (roaming) and international (calls from home to abroad) never do."""

    NATIONAL = "national", _("National")
    EU = "eu", _("EU")
    WORLD_1 = "world_1", _("Roaming world zone 1")
    WORLD_2 = "world_2", _("Roaming world zone 2")
    WORLD_3 = "world_3", _("Roaming world zone 3")
    INTERNATIONAL = "international", _("International")


BUNDLE_ZONES = frozenset({UsageZone.NATIONAL, UsageZone.EU})
ROAMING_ZONES = frozenset({UsageZone.EU, UsageZone.WORLD_1, UsageZone.WORLD_2, UsageZone.WORLD_3})


class Direction(models.TextChoices):
    OUT = "out", _("Outgoing")
    IN = "in", _("Incoming")


class UsageRate(models.Model):
    """The price of one unit of usage beyond the bundles: per minute (voice, billed by the
    second), per message (SMS, MMS) or per MB (data), by zone and direction. A rate with a
    `plan` overrides the operator's list rate (`plan` empty) for that plan's lines."""

    class Kind(models.TextChoices):
        VOICE = "voice", _("Voice (per minute)")
        SMS = "sms", _("SMS (per message)")
        MMS = "mms", _("MMS (per message)")
        DATA = "data", _("Data (per MB)")

    kind = models.CharField(_("type"), max_length=5, choices=Kind.choices)
    zone = models.CharField(_("zone"), max_length=13, choices=UsageZone.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.OUT)
    plan = models.ForeignKey(
        TariffPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="usage_rates", verbose_name=_("plan")
    )
    unit_price = models.DecimalField(_("unit price (EUR)"), max_digits=10, decimal_places=4)

    class Meta:
        ordering = ["kind", "zone", "direction", "plan"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "zone", "direction"], condition=models.Q(plan__isnull=True), name="one_list_rate"
            ),
            models.UniqueConstraint(
                fields=["kind", "zone", "direction", "plan"],
                condition=models.Q(plan__isnull=False),
                name="one_plan_rate",
            ),
        ]
        verbose_name = _("usage rate")
        verbose_name_plural = _("usage rates")

    def __str__(self) -> str:
        return f"{self.kind} {self.zone} {self.direction}: {self.unit_price}"
