"""Group bundles (F-50, F-51): a data/voice/SMS pool of a contract shared by chosen lines.

A pool is ordered from one of the contract's group-bundle offers (`catalog.ContractGroupBundle`)
and can be changed to another offer of the same contract. Its members are lines of that
contract; a membership has a start and, once the line leaves, an end, so rating prices a
record against the pool its line was in at the record's time.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fleetportal.catalog.models import ContractGroupBundle
from fleetportal.core.models import Contract, Customer
from fleetportal.fleet.models import Line


class GroupBundle(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")  # the contract's, for scope
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="pools")
    offer = models.ForeignKey(
        ContractGroupBundle, on_delete=models.PROTECT, related_name="pools", verbose_name=_("group bundle")
    )
    name = models.CharField(_("name"), max_length=100)
    # F-51 with F-42: the managers are told once a period when the pool's out-of-bundle cost reaches it.
    out_of_bundle_notify_at = models.DecimalField(
        _("out-of-bundle notification at (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    started_at = models.DateTimeField(_("since"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("group bundle")
        verbose_name_plural = _("group bundles")

    def __str__(self) -> str:
        return self.name


class GroupBundleMember(models.Model):
    """A line in a pool from `joined_at` until `left_at` (None: still in it); one pool at a time."""

    pool = models.ForeignKey(GroupBundle, on_delete=models.CASCADE, related_name="members")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="pool_memberships")
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        ordering = ["pool", "line__msisdn"]
        constraints = [
            models.UniqueConstraint(fields=["line"], condition=Q(left_at__isnull=True), name="one_live_pool_per_line")
        ]
        indexes = [models.Index(fields=["line", "joined_at"])]

    def __str__(self) -> str:
        return f"{self.pool}: {self.line}"
