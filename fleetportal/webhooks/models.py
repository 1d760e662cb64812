"""A customer's webhook endpoints and the deliveries of events to them (F-92)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Customer, Deliverable, DomainEvent

CHANNEL = "webhook"  # the delivery pipeline's name for these rows


class Endpoint(models.Model):
    """Where a customer wants to hear about some event types. The signing secret is kept as it
    is (the portal signs with it) and shown to the customer only when it is made."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100)
    active = models.BooleanField(_("active"), default=True)
    # Set when the portal switched the endpoint off after a day of failures (cleared on re-enable).
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["customer", "active"], name="webhook_endpoint_customer_idx")]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(Deliverable):
    """One event for one endpoint: a message with a stable id (`webhook_id`, the same on every
    try), delivered by the kernel's pipeline, its last answer's HTTP status kept for the log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Delivered")
        DEAD = "dead", _("Failed for good")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(DomainEvent, on_delete=models.CASCADE, related_name="+")
    event_name = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} → {self.endpoint.url}"

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.idempotency_key}"

    def mark_sent(self, now: datetime) -> list[str]:
        return [*super().mark_sent(now), "response_status"]

    def mark_failed(self, error: str, *, final: bool, now: datetime) -> list[str]:
        return [*super().mark_failed(error, final=final, now=now), "response_status"]
