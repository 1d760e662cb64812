"""The kernel's records: customers and their contracts, the audit trail every action writes
(SPEC §1, F-33), domain events, and the columns of every row the workers deliver."""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit_labels import action_label


class Customer(models.Model):
    """A business customer (a company); every object a customer sees hangs off one of these."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="nl")
    login_domain = models.SlugField(
        _("login domain"),
        max_length=60,
        unique=True,
        help_text=_("Short company name used in login aliases such as admin@company."),
    )
    sms_second_factor = models.BooleanField(
        _("SMS code after the password"),
        default=True,
        help_text=_("Switched off by the contract holder; passwords then need 15 characters."),
    )
    number_login_functions = models.JSONField(_("what a phone-number login may do"), default=list, blank=True)
    # Where the customer is established: the VAT of its invoices (F-60), ISO 3166 alpha-2.
    country = models.CharField(_("country"), max_length=2, default="BE")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contracts")
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    start_date = models.DateField(_("start date"))
    contact_email = models.EmailField(_("contract e-mail"))
    contact_mobile = models.CharField(_("contract mobile number"), max_length=20, blank=True)
    msa_document = models.FileField(_("MSA"), upload_to="msa/", blank=True)
    # The currency of the contract's prices and invoices (ISO 4217): EUR, or HUF in Hungary.
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    class Meta:
        ordering = ["number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return self.number


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    JOB = "job", _("Job")
    STAFF = "staff", _("Back office")
    SYSTEM = "system", _("System")


class AuditEvent(models.Model):
    """Who did what, when, through which channel, with the state before and after.

    Never holds a secret or a one-time code: actions pass only descriptive data.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_label}"

    def get_action_display(self) -> str:
        """The action's readable, translated name (the code stays what the database keeps)."""
        return action_label(self.action)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class Deliverable(models.Model):
    """The columns every row the workers deliver at least once shares (QUALITY R1): e-mails,
    SMS, provisioning requests, event deliveries, webhooks. One engine (`core.delivery`)
    claims, sends, retries with backoff and dead-letters them, whatever their table.

    A concrete model has a `status` and a `last_error` and names its "sent" and "dead" values
    (`SENT`, `DEAD`), or says itself what an outcome means (`mark_sent`, `mark_failed`)."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    status: str
    last_error: str

    idempotency_key = models.CharField(max_length=64, unique=True, default=new_idempotency_key)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def mark_sent(self, now: datetime) -> list[str]:
        """Record a successful hand-over; returns the fields to save."""
        self.status, self.sent_at, self.last_error = self.SENT, now, ""
        return ["status", "sent_at", "last_error"]

    def mark_failed(self, error: str, *, final: bool, now: datetime) -> list[str]:
        """Record a failed try (`final`: no retry left); returns the fields to save."""
        self.last_error = error
        if final:
            self.status = self.DEAD
        return ["status", "last_error"]


class DomainEvent(models.Model):
    """Something that happened in the business, recorded by the action in the transaction of
    its audit row, for consumers (port-in completion, rules, alerts, webhooks) to act on after
    commit. Events of one action call share a `batch`, so consumers run set-based."""

    name = models.CharField(max_length=64, db_index=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    batch = models.CharField(max_length=32, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} {self.object_type} {self.object_id}"


class EventDelivery(Deliverable):
    """One consumer's turn at one batch of events: delivered like an e-mail, at least once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        DEAD = "dead", _("Failed for good")

    consumer = models.CharField(max_length=100)
    event_name = models.CharField(max_length=64)
    batch = models.CharField(max_length=32)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="event_delivery_due_idx")]

    SENT = Status.DONE

    def __str__(self) -> str:
        return f"{self.consumer} ← {self.event_name} ({self.status})"
