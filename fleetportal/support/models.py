"""Helpdesk tickets (F-70): a customer's question or request, its conversation with the
operator's staff (replies, internal notes, what the portal did) and the files attached to it.

A ticket asks, through its subject and "more details" item (the seeds' form), for something the
portal may be able to do itself (pause, reactivate, stop SIMs, delete SIMs not yet activated,
add employees from a CSV file): staff then apply it from the ticket (`actions.ticket_apply`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Customer
from fleetportal.fleet.models import ImportJob, Line


class Ticket(models.Model):
    class Subject(models.TextChoices):
        SIM_OPTIONS = "sim_options", _("SIM card options")
        TECHNICAL = "technical", _("Technical problem")
        BILLING = "billing", _("Billing question")
        OTHER = "other", _("Other")

    class Detail(models.TextChoices):
        """The "more details" items of the subject "SIM card options" (seeds 002/003)."""

        REACTIVATE = "reactivate", _("Reactivate paused SIM cards")
        STOP_PAUSE = "stop_pause", _("Stop or pause SIM cards")
        DELETE_INACTIVE = "delete_inactive", _("Delete SIM cards that are not activated")
        ADD_CSV = "add_csv", _("Add employees via CSV")
        ORDER_BLANK = "order_blank", _("Order blank SIM cards")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting for customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    detail = models.CharField(_("more details"), max_length=20, choices=Detail.choices, blank=True)
    lines = models.ManyToManyField(Line, blank=True, related_name="tickets", verbose_name=_("phone numbers"))
    action_date = models.DateField(_("date for this action"), null=True, blank=True)
    message = models.TextField(_("your message"), max_length=5000)
    contact_email = models.EmailField(_("your e-mail address"))
    contact_phone = models.CharField(_("your mobile number"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assigned to"),
    )
    language = models.CharField(max_length=8, default="en")  # the contact's, for the e-mails
    # "Add employees via CSV": the fleet's import of the ticket's CSV file, once staff start it.
    import_job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_subject_display()}"


class Entry(models.Model):
    """One step of a ticket's conversation: a reply (customer's or staff's), an internal staff
    note (never shown to the customer: not in pages, API or e-mails) or an event the portal
    wrote (a status change, an assignment, what a one-click action did)."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")
        EVENT = "event", _("Event")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    author_label = models.CharField(max_length=200)
    by_staff = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"


def stored_name(instance: Attachment, filename: str) -> str:
    """A random name: the uploader's file name is kept in `name` only, never on the storage."""
    return f"support/{instance.ticket.customer_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file of a ticket or of a reply, stored through Django's storage API (the filesystem,
    or S3-compatible storage with django-storages, by settings alone)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    file = models.FileField(upload_to=stored_name, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.name
