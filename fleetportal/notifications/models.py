"""The outbox: every e-mail, SMS, webhook or provisioning request is a row written in the
business transaction and delivered by the worker (QUALITY R1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Customer, Deliverable


class OutboxMessage(Deliverable):
    """An e-mail or SMS as it will be sent, delivered by the kernel's pipeline."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Failed for good")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    # E-mail attachments as [{"filename", "content_type", "content" (base64)}]; kept small
    # (a QR code), since the row is the message as it will be sent.
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"
