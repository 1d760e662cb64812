"""SIM cards, the number pool and lines through their whole life (SPEC §3).

A line is a phone number of a customer with a SIM card, a plan and options. Its `status` is the
commercial life cycle; `network_state` says whether the network has caught up with the last
change (R4). Changes on a date are `ScheduledChange` rows run by a periodic job (DESIGN rule 5).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.core.models import Customer


class SimCard(models.Model):
    class Kind(models.TextChoices):
        PHYSICAL = "physical", _("Physical SIM")
        ESIM = "esim", _("eSIM")

    class Status(models.TextChoices):
        BLANK = "blank", _("Blank (in stock)")
        IN_USE = "in_use", _("In use")
        RETIRED = "retired", _("Retired")

    iccid = models.CharField(_("SIM card number (ICCID)"), max_length=20, unique=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.PHYSICAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BLANK)
    # None: the operator's own stock, which any customer's wizard may use (F-21).
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="sim_cards")
    imsi = models.CharField(_("IMSI"), max_length=15, unique=True)
    pin = models.CharField(_("PIN"), max_length=8)
    puk = models.CharField(_("PUK"), max_length=8)
    activation_code = models.CharField(_("eSIM activation code (LPA)"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["iccid"]
        indexes = [models.Index(fields=["customer", "status"])]
        verbose_name = _("SIM card")
        verbose_name_plural = _("SIM cards")

    def __str__(self) -> str:
        return self.iccid


class PoolNumber(models.Model):
    """A number of the operator's range (F-21 "new number")."""

    class Status(models.TextChoices):
        FREE = "free", _("Free")
        ASSIGNED = "assigned", _("Assigned")
        QUARANTINE = "quarantine", _("Quarantine")

    msisdn = models.CharField(_("phone number"), max_length=16, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.FREE)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["msisdn"]
        indexes = [models.Index(fields=["status", "msisdn"])]

    def __str__(self) -> str:
        return self.msisdn


class Tag(models.Model):
    """A cost centre or any label a customer puts on lines (go beyond F-20)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="tag_name_unique")]

    def __str__(self) -> str:
        return self.name


class Line(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PORTING = "porting", _("Porting in")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        STOPPED = "stopped", _("Stopped")

    class NetworkState(models.TextChoices):
        IN_SYNC = "in_sync", _("Up to date")
        PENDING = "pending", _("Pending in network")
        FAILED = "failed", _("Failed, retry")

    class Civility(models.TextChoices):
        MR = "mr", _("Mr")
        MS = "ms", _("Ms")
        MX = "mx", _("Mx")

    class PayByMobile(models.TextChoices):
        UNLIMITED = "unlimited", _("No limit")
        CAPPED = "capped", _("Monthly limit")
        BLOCKED = "blocked", _("Blocked")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="lines")
    msisdn = models.CharField(_("phone number"), max_length=16)
    sim = models.ForeignKey(SimCard, null=True, blank=True, on_delete=models.PROTECT, related_name="lines")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    network_state = models.CharField(
        _("network"), max_length=10, choices=NetworkState.choices, default=NetworkState.IN_SYNC
    )
    plan = models.ForeignKey(TariffPlan, on_delete=models.PROTECT, related_name="lines", verbose_name=_("tariff"))
    options: models.ManyToManyField[Option, LineOption] = models.ManyToManyField(
        Option, through="LineOption", blank=True, related_name="lines"
    )
    billing_account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="lines")
    split_bill_profile = models.ForeignKey(
        SplitBillProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="lines")
    # The employee's login, once they have one (F-74).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="lines"
    )

    # User details (F-27); editable by managers only until the employee confirmed them (R-F1).
    description = models.CharField(_("description"), max_length=200, blank=True)
    civility = models.CharField(_("civility"), max_length=4, choices=Civility.choices, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    contact_phone = models.CharField(_("phone number"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    details_confirmed_at = models.DateTimeField(_("confirmed by the user"), null=True, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    locality = models.CharField(_("locality"), max_length=100, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    box = models.CharField(_("box"), max_length=10, blank=True)

    # Port-in of an existing number (F-21 step 6).
    donor_operator = models.CharField(_("current operator"), max_length=60, blank=True)
    donor_account = models.CharField(_("customer number at the current operator"), max_length=40, blank=True)
    donor_sim = models.CharField(_("SIM card number at the current operator"), max_length=20, blank=True)

    activated_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # F-26 go beyond: on stopping, the number went on with the employee as a private customer.
    transferred_to_private = models.BooleanField(_("number handed over to the user"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic lock: a change built on an older version answers "changed meanwhile" (R2).
    version = models.PositiveIntegerField(default=1)

    # Controls (SPEC §4). The blocks are `LineBlock` rows; these are the line's limits.
    paybymobile = models.CharField(
        _("PayByMobile"), max_length=10, choices=PayByMobile.choices, default=PayByMobile.UNLIMITED
    )
    # The monthly cap in EUR when `paybymobile` is "capped" (F-41): a charge over it is refused.
    paybymobile_cap = models.DecimalField(
        _("PayByMobile monthly limit (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    # F-42: the managers are told once a period when the out-of-bundle cost reaches this (R-C1).
    out_of_bundle_notify_at = models.DecimalField(
        _("out-of-bundle notification at (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    # F-43: the member's SMS at 75/90/100 % of each bundle; they switch it on their own page.
    bundle_alerts = models.BooleanField(_("bundle alerts by SMS"), default=True)

    # Not a field: a line's options as the bulk reviews read them (`actions.load_current_options`).
    current_options: list[Option]

    class Meta:
        ordering = ["msisdn"]
        constraints = [
            models.UniqueConstraint(fields=["msisdn"], condition=~Q(status="stopped"), name="one_live_line_per_number"),
            models.UniqueConstraint(fields=["sim"], condition=~Q(status="stopped"), name="one_live_line_per_sim"),
        ]
        # The overview's sorts (F-20, QUALITY P1): a column, then the number, read in index order.
        # On PostgreSQL migration 0004 adds trigram indexes for its search (`selectors._search`).
        indexes = [
            models.Index(fields=["customer", "msisdn"]),
            models.Index(fields=["customer", "status", "msisdn"]),
            models.Index(fields=["customer", "description", "msisdn"]),
            models.Index(fields=["customer", "last_name", "msisdn"]),
            models.Index(fields=["customer", "plan", "msisdn"]),
            models.Index(fields=["customer", "billing_account", "msisdn"]),
        ]
        verbose_name = _("line")
        verbose_name_plural = _("lines")

    def __str__(self) -> str:
        return self.msisdn


class Service(models.TextChoices):
    """The traffic types a line can be blocked for (F-40), as the seeds' blocks screen lists them."""

    ALL = "all", _("All services")
    CALLS_IN = "calls_in", _("Incoming calls")
    CALLS_OUT = "calls_out", _("Outgoing calls")
    SMS_IN = "sms_in", _("Incoming SMS")
    SMS_OUT = "sms_out", _("Outgoing SMS")
    MMS = "mms", _("MMS")
    DATA = "data", _("Mobile data")
    INTERNATIONAL = "international", _("Calls from the home country to abroad")
    ROAMING_ALL = "roaming_all", _("Abroad: everything")
    ROAMING_CALLS_IN = "roaming_calls_in", _("Abroad: incoming calls")
    ROAMING_CALLS_OUT = "roaming_calls_out", _("Abroad: outgoing calls")
    ROAMING_SMS = "roaming_sms", _("Abroad: SMS")
    ROAMING_DATA = "roaming_data", _("Abroad: data")


class LineBlock(models.Model):
    """One traffic type blocked on a line (F-40): set by a manager, or by a usage rule (then
    `rule_id` names it, so the rule can lift it at the next period)."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="blocks")
    service = models.CharField(_("service"), max_length=20, choices=Service.choices)
    # The `alerts.UsageRule` that set it (an id, not a key: that app sits above this one).
    rule_id = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line", "service"]
        constraints = [models.UniqueConstraint(fields=["line", "service"], name="block_once_per_line")]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")

    def __str__(self) -> str:
        return f"{self.line}: {self.service}"


class LineOption(models.Model):
    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="line_options")
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line", "option"], name="option_once_per_line")]

    def __str__(self) -> str:
        return f"{self.line}: {self.option}"


class LineProducts(models.Model):
    """A line's plan and options from `valid_from` on (F-28, F-29, F-55): the history rating
    prices each usage record with (the row with the latest `valid_from` at or before the
    record's start; a record before the first row takes the first). One row each time a line
    gets or changes its products, written by the actions that do it (`actions.history`), never
    edited. `option_ids` are the ids of the options the line had then (a list, read whole)."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="product_history")
    valid_from = models.DateTimeField()
    plan = models.ForeignKey(TariffPlan, on_delete=models.PROTECT, related_name="+")
    option_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["line", "valid_from", "id"]
        indexes = [models.Index(fields=["line", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.line_id} from {self.valid_from:%Y-%m-%d %H:%M}"


class ScheduledChange(models.Model):
    """A change to a line on a chosen date, cancellable until it is due (F-22, F-26)."""

    class Kind(models.TextChoices):
        ACTIVATE = "activate", _("Activate")
        SUSPEND = "suspend", _("Suspend")
        REACTIVATE = "reactivate", _("Reactivate")
        STOP = "stop", _("Stop number")
        PLAN = "plan", _("Change tariff plan")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="scheduled_changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    due_date = models.DateField(_("date"))
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.line} on {self.due_date}"


class ImportJob(models.Model):
    """A CSV of new lines (F-32): checked first (a dry run that changes nothing), then applied
    by a worker job, all or nothing. `errors` maps a file line to its problems, each a
    [column, message] pair in the uploader's language."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        APPLYING = "applying", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # An upload through the API: the job acts with the key's scopes, as they are when it runs.
    api_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(_("file"), max_length=200)
    content = models.TextField()
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=dict, blank=True)
    created = models.PositiveIntegerField(_("lines created"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return self.file_name


class BulkJob(models.Model):
    """A change or an export over many lines that runs on a worker instead of in the request
    (F-32): above `BULK_JOB_THRESHOLD` lines the pages and the API queue one of these and show
    its progress. A change job applies all or nothing (R2), in one transaction, so a worker
    killed mid-job leaves nothing half-applied; `lease_until` lets another worker see that a
    running job's worker is gone. `results` holds one [line id, number, outcome, reason] per
    line; `file` the export, or the results as xlsx."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan change")
        OPTIONS = "options", _("Options change")
        BLOCKS = "blocks", _("Blocks change")
        BILLING_ACCOUNT = "billing_account", _("Billing account change")
        TAGS = "tags", _("Tags change")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bulk_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    api_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("job"), max_length=20, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    results = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"]), models.Index(fields=["status", "lease_until"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
