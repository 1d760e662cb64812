"""Requests to the network for every line change (F-94, R4), written in the business
transaction like outbox rows and sent by the worker through the configured adapter."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fleetportal.fleet.models import Line


class ProvisioningRequest(models.Model):
    class Operation(models.TextChoices):
        ACTIVATE = "activate", _("Activate")
        SUSPEND = "suspend", _("Suspend")
        REACTIVATE = "reactivate", _("Reactivate")
        SWAP = "swap", _("SIM swap")
        PLAN = "plan", _("Plan and options")
        STOP = "stop", _("Stop")
        BLOCKS = "blocks", _("Blocks")
        PORT_IN = "port_in", _("Port-in")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent, waiting for the network")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="provisioning_requests")
    operation = models.CharField(max_length=12, choices=Operation.choices)
    payload = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=64, unique=True)
    # One key per request_provisioning() call: the worker's task and the line update select by it,
    # so a batch of 10,000 lines costs the same few queries as one line.
    batch = models.CharField(max_length=32, db_index=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the network accepted it: an answer not back within NETWORK_TIMEOUT_SECONDS is a failure.
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["line", "-created_at"]),
            models.Index(fields=["sent_at"], condition=Q(status="sent"), name="provisioning_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.line} ({self.status})"


class SimulatorRule(models.Model):
    """Tells the simulator to refuse or ignore requests for one number or one operation, so tests
    and the back office can show what a failing network does to the portal (R4)."""

    class Outcome(models.TextChoices):
        FAIL = "fail", _("Fail")
        TIMEOUT = "timeout", _("Time out (no answer)")

    msisdn = models.CharField(_("phone number"), max_length=16, blank=True)
    operation = models.CharField(
        _("operation"), max_length=12, choices=ProvisioningRequest.Operation.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(msisdn="", operation=""), name="simulator_rule_has_target"),
        ]

    def __str__(self) -> str:
        return f"{self.msisdn or '*'} {self.operation or '*'}: {self.outcome}"
