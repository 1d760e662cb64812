"""What the alerts sent and what the usage rules did, each once per period.

Rating recomputes a period's counters as often as records arrive (and re-rates it after a plan
change), and its `usage.rated` event may be delivered again: these rows are what makes every
alert and every rule effect happen once. Each is unique on what it is about and the period, and
is written in the same transaction as the SMS, e-mail or block it stands for, so a rolled-back
evaluation leaves neither.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fleetportal.bundles.models import GroupBundle
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line, Service, Tag
from fleetportal.notifications.models import OutboxMessage


class Bundle(models.TextChoices):
    """A line's own bundles that alerts and rules measure in % (F-43)."""

    DATA = "data", _("Data")
    VOICE = "voice", _("Minutes")
    SMS = "sms", _("SMS")


class BundleAlert(models.Model):
    """A bundle threshold (75, 90, 100 %) a line reached in a period (F-43, R-C2).

    One row per reached threshold, so each is reached once per period. When one rating crosses
    several thresholds of a bundle at once, every one is recorded but only the highest sends an
    SMS (`message`; None on the lower ones): the member reads "100 % used", not three messages
    in a row. A line with bundle alerts switched off gets no rows at all, so switching them on
    later in the period sends the highest threshold reached by then.
    """

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="bundle_alerts_sent")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")  # the line's, for scope
    period = models.DateField(_("period"))
    bundle = models.CharField(_("bundle"), max_length=5, choices=Bundle.choices)
    threshold = models.PositiveSmallIntegerField(_("threshold (%)"))
    message = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "period", "bundle", "threshold"], name="bundle_alert_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["customer", "-created_at"])]
        verbose_name = _("bundle alert")

    def __str__(self) -> str:
        return f"{self.line} {self.period:%Y-%m} {self.bundle} {self.threshold} %"


class CostAlert(models.Model):
    """The managers were told that a line's or a pool's out-of-bundle cost in a period reached
    its notification amount (F-42, F-51, R-C1): once per period, notify only."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(Line, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    pool = models.ForeignKey(GroupBundle, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("period"))
    amount = models.DecimalField(_("out of bundle (EUR)"), max_digits=14, decimal_places=4)
    notify_at = models.DecimalField(_("notification at (EUR)"), max_digits=8, decimal_places=2)
    recipients = models.JSONField(_("sent to"), default=list)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "period"], condition=Q(line__isnull=False), name="cost_alert_once_per_line_period"
            ),
            models.UniqueConstraint(
                fields=["pool", "period"], condition=Q(pool__isnull=False), name="cost_alert_once_per_pool_period"
            ),
            models.CheckConstraint(
                condition=Q(line__isnull=False, pool__isnull=True) | Q(line__isnull=True, pool__isnull=False),
                name="cost_alert_of_a_line_or_a_pool",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"])]
        verbose_name = _("out-of-bundle alert")

    def __str__(self) -> str:
        return f"{self.line or self.pool} {self.period:%Y-%m} {self.amount}"


class UsageRule(models.Model):
    """A manager's rule (issue 7, go beyond): when a metric of the lines it targets reaches the
    threshold in a period, its effect happens to each such line, once per period; with
    `lift_next_period` the block or suspension is lifted when the next period begins."""

    class Target(models.TextChoices):
        LINE = "line", _("One line")
        POOL = "pool", _("A group bundle")
        TAG = "tag", _("Lines with a tag")
        COMPANY = "company", _("Every line of the company")

    class Metric(models.TextChoices):
        # xgettext:no-python-format
        DATA_PCT = "data_pct", _("% of the data bundle")
        # xgettext:no-python-format
        VOICE_PCT = "voice_pct", _("% of the minutes bundle")
        # xgettext:no-python-format
        SMS_PCT = "sms_pct", _("% of the SMS bundle")
        OUT_OF_BUNDLE_EUR = "oob_eur", _("EUR out of bundle")

    class Effect(models.TextChoices):
        NOTIFY = "notify", _("E-mail the managers")
        BLOCK_DATA = "block_data", _("Block mobile data")
        BLOCK_ROAMING = "block_roaming", _("Block everything abroad")
        BLOCK_SERVICE = "block_service", _("Block a traffic type")
        SUSPEND = "suspend", _("Suspend the line")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="usage_rules")
    name = models.CharField(_("name"), max_length=100)
    target = models.CharField(_("applies to"), max_length=7, choices=Target.choices, default=Target.COMPANY)
    line = models.ForeignKey(
        Line, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("line")
    )
    pool = models.ForeignKey(
        GroupBundle, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("group bundle")
    )
    tag = models.ForeignKey(
        Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("tag")
    )
    metric = models.CharField(_("when"), max_length=9, choices=Metric.choices)
    threshold = models.DecimalField(
        _("threshold"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    effect = models.CharField(_("then"), max_length=13, choices=Effect.choices)
    # The traffic type of a BLOCK_SERVICE rule (blank for the other effects).
    service = models.CharField(_("traffic type"), max_length=20, choices=Service.choices, blank=True)
    lift_next_period = models.BooleanField(_("lift at the next period"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["customer", "active"])]
        verbose_name = _("usage rule")
        verbose_name_plural = _("usage rules")

    def __str__(self) -> str:
        return self.name


class RuleFiring(models.Model):
    """A rule's effect on one line in one period: it happens once (unique), and is lifted once."""

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Not needed")  # e.g. the line was not active to be suspended
        REFUSED = "refused", _("Refused")  # the fleet action refused it (`detail` says why)

    rule = models.ForeignKey(UsageRule, on_delete=models.CASCADE, related_name="firings")
    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("period"))
    value = models.DecimalField(_("value reached"), max_digits=14, decimal_places=4)
    effect = models.CharField(_("effect"), max_length=13, choices=UsageRule.Effect.choices)
    service = models.CharField(_("traffic type"), max_length=20, choices=Service.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=7, choices=Outcome.choices, default=Outcome.DONE)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    lift = models.BooleanField(default=False)  # the rule's `lift_next_period` when it fired
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    created_at = models.DateTimeField(_("fired"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "line", "period"], name="rule_fires_once_per_period")]
        indexes = [models.Index(fields=["period", "lift", "lifted_at"])]
        verbose_name = _("rule firing")

    def __str__(self) -> str:
        return f"{self.rule} {self.line} {self.period:%Y-%m}"
