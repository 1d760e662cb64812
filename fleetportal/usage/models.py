"""Usage records from the operator's mediation (F-55) and the ingest jobs that bring them.

A record is stored once whatever how often it arrives (R5): `record_id`, the mediation's own
id, is unique, and every ingest inserts with ON CONFLICT DO NOTHING on it. On PostgreSQL the
records are partitioned by `period` (migration 0005, `partitions`), whose unique keys must hold
the partition key: there the primary key is (id, period) and the record ids are unique in a
plain key table of their own, `usage_recordkey` (migration 0006), which the ingest fills before
the records (`ingest_sql`), so one id is one record whatever month it is sent again with; the
model's state unchanged.

Quantities are normalised to one unit per kind (seconds for voice, messages for SMS/MMS, MB
for data; kB are divided by 1024, as the mediation counts octets), so rating and counters add
one column per kind without converting units; `unit` keeps that canonical unit explicit on
every row. Third-party charges carry an amount in EUR and a merchant instead of a quantity.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fleetportal.catalog.models import Direction, TariffPlan, UsageZone
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line

KB_PER_MB = Decimal(1024)


class IngestJob(models.Model):
    """One file (or API batch) of usage records, ingested by a worker in chunks; its counts grow
    as chunks commit, so a page can show progress. Bad rows are `IngestError` rows."""

    class Source(models.TextChoices):
        COMMAND = "command", _("Management command")
        STAFF = "staff", _("Back office")
        API = "api", _("API")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Ingesting")
        DONE = "done", _("Ingested")
        FAILED = "failed", _("Not ingested")

    # The customer whose lines the file's numbers may name; None: any customer (operator feed).
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    file_name = models.CharField(_("file"), max_length=200)
    # The upload waiting for its worker (staff page, API file); the command reads its own file.
    upload = models.FileField(upload_to="usage/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    ingested = models.PositiveIntegerField(_("ingested"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    bad = models.PositiveIntegerField(_("bad rows"), default=0)
    # The last file row whose chunk is committed: a retried job goes on after it.
    last_row = models.PositiveIntegerField(default=0)
    # What stopped the whole file (empty, wrong header, not gzip), as an error code + detail.
    error_code = models.CharField(max_length=30, blank=True)
    error_detail = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # An API upload acts with the key's scopes as they are when its worker runs.
    api_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by_label = models.CharField(_("by"), max_length=200)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return self.file_name

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class IngestError(models.Model):
    """A bad row of an ingest: its file row and a reason code (translated when read)."""

    job = models.ForeignKey(IngestJob, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(_("row"))
    code = models.CharField(max_length=30)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"{self.row}: {self.code}"


def _part(label: Any) -> models.DecimalField:
    """A part of a record's quantity; 0 in the database too, so the ingest's INSERT leaves it out."""
    return models.DecimalField(label, max_digits=20, decimal_places=10, default=Decimal(0), db_default=Decimal(0))


class UsageRecord(models.Model):
    class Kind(models.TextChoices):
        VOICE = "voice", _("Voice")
        SMS = "sms", _("SMS")
        MMS = "mms", _("MMS")
        DATA = "data", _("Data")
        THIRD_PARTY = "third_party", _("Third-party charge")

    Zone = UsageZone
    Direction = Direction

    class Unit(models.TextChoices):
        SECONDS = "seconds", _("seconds")
        MESSAGES = "messages", _("messages")
        MB = "mb", _("MB")
        NONE = "", _("none")

    class Outcome(models.TextChoices):
        UNRATED = "", _("Not rated yet")
        IN_BUNDLE = "in_bundle", _("In bundle")
        OUT_OF_BUNDLE = "out_of_bundle", _("Out of bundle")
        FREE = "free", _("Free")
        CHARGED = "charged", _("Charged")
        REFUSED = "refused", _("Refused")

    class Refusal(models.TextChoices):
        NONE = "", _("not refused")
        BLOCKED = "blocked", _("Service blocked")
        PAYBYMOBILE_BLOCKED = "paybymobile", _("PayByMobile blocked")
        PAYBYMOBILE_CAP = "paybymobile_cap", _("Over the PayByMobile limit")

    record_id = models.CharField(_("record id"), max_length=64, unique=True)
    # The indexes below lead with line and customer, so their keys need no index of their own;
    # the customer (the line's, for scope) and the job are written by the ingest from the rows
    # it just read, so they carry no database constraint to check per record at each commit.
    line = models.ForeignKey(Line, on_delete=models.PROTECT, db_index=False, related_name="usage_records")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, db_index=False, db_constraint=False, related_name="+"
    )
    started_at = models.DateTimeField(_("start"))
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    zone = models.CharField(_("zone"), max_length=13, choices=Zone.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=10)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, blank=True)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=12, decimal_places=4, null=True, blank=True)
    merchant = models.CharField(_("merchant"), max_length=100, blank=True)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.OUT)
    # The calendar month (its first day, in settings.TIME_ZONE) the record counts in.
    period = models.DateField(_("period"))
    job = models.ForeignKey(IngestJob, on_delete=models.PROTECT, db_constraint=False, related_name="records")
    row = models.PositiveIntegerField(_("row"))  # the row of the job's file it came from
    created_at = models.DateTimeField(auto_now_add=True)

    # What rating made of it (`rating.rate`), kept so an invoice can be explained line by line:
    # the plan and pool it was rated with, where its quantity went (pool + bundle + out +
    # refused = quantity) and the price of the part out of bundle (or the third-party amount
    # charged). No indexes and no database constraints: rating's UPDATE then changes no indexed
    # column, so PostgreSQL rewrites each row in its own page (a HOT update, the table's pages
    # are kept half free for it, migration 0004) and checks no key per row.
    outcome = models.CharField(
        _("outcome"), max_length=13, choices=Outcome.choices, blank=True, default="", db_default=""
    )
    refusal = models.CharField(
        _("refused because"), max_length=15, choices=Refusal.choices, blank=True, default="", db_default=""
    )
    rated_plan = models.ForeignKey(
        TariffPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    pool = models.ForeignKey(
        "bundles.GroupBundle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    pool_quantity = _part(_("in pool"))
    bundle_quantity = _part(_("in bundle"))
    out_quantity = _part(_("out of bundle"))
    refused_quantity = _part(_("refused"))
    # EUR per minute (voice), message or MB, as the catalogue had it when rated.
    unit_price = models.DecimalField(_("unit price (EUR)"), max_digits=10, decimal_places=4, null=True, blank=True)
    price = models.DecimalField(
        _("price (EUR)"), max_digits=14, decimal_places=4, default=Decimal(0), db_default=Decimal(0)
    )
    rated_at = models.DateTimeField(null=True, blank=True)  # when it got its present rating

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["line", "started_at"]),
            models.Index(fields=["customer", "started_at"]),
        ]

    def __str__(self) -> str:
        return self.record_id


class UsageCounter(models.Model):
    """A line's usage in one period (a calendar month, `period` its first day), kept by rating.

    Every column is the sum over the line's rated records of the period, so re-rating a period
    rebuilds it from them. `*_bundle*` are the parts drawn from the line's own bundles and
    `*_pool*` the parts drawn from its group bundle; the `allowance_*` columns are the line's
    own bundles as rated (None: unlimited), so a page can show what is left.
    """

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="usage_counters")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")  # the line's, for scope
    period = models.DateField(_("period"))
    records = models.PositiveIntegerField(default=0)
    data_mb = models.DecimalField(_("data (MB)"), max_digits=16, decimal_places=4, default=Decimal(0))
    data_bundle_mb = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    data_pool_mb = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    voice_seconds = models.DecimalField(_("calls (seconds)"), max_digits=16, decimal_places=4, default=Decimal(0))
    voice_bundle_seconds = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    voice_pool_seconds = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    sms = models.DecimalField(_("SMS"), max_digits=16, decimal_places=4, default=Decimal(0))
    sms_bundle = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    sms_pool = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    mms = models.DecimalField(_("MMS"), max_digits=16, decimal_places=4, default=Decimal(0))
    out_of_bundle_eur = models.DecimalField(
        _("out of bundle (EUR)"), max_digits=14, decimal_places=4, default=Decimal(0)
    )
    third_party_eur = models.DecimalField(_("third-party (EUR)"), max_digits=14, decimal_places=4, default=Decimal(0))
    refused = models.PositiveIntegerField(_("refused"), default=0)
    allowance_data_mb = models.PositiveIntegerField(null=True, blank=True)
    allowance_voice_minutes = models.PositiveIntegerField(null=True, blank=True)
    allowance_sms = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "line"]
        constraints = [models.UniqueConstraint(fields=["line", "period"], name="one_counter_per_line_period")]
        indexes = [models.Index(fields=["customer", "period"])]

    def __str__(self) -> str:
        return f"{self.line} {self.period:%Y-%m}"


class PoolCounter(models.Model):
    """A group bundle's usage in one period: what its member lines drew from it, and the
    out-of-bundle cost of their records beyond it (F-51)."""

    pool = models.ForeignKey("bundles.GroupBundle", on_delete=models.CASCADE, related_name="counters")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("period"))
    data_mb = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    voice_seconds = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    sms = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    out_of_bundle_eur = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    allowance_data_mb = models.PositiveIntegerField(null=True, blank=True)
    allowance_voice_minutes = models.PositiveIntegerField(null=True, blank=True)
    allowance_sms = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "pool"]
        constraints = [models.UniqueConstraint(fields=["pool", "period"], name="one_counter_per_pool_period")]

    def __str__(self) -> str:
        return f"{self.pool} {self.period:%Y-%m}"
