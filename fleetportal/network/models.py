"""Requests to the network for every line change (F-94, R4), written in the business
transaction like outbox rows and sent by the worker through the configured adapter."""

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Deliverable


class ProvisioningRequest(Deliverable):
    """One change asked of the network for one line: delivered by the kernel's pipeline (sent =
    accepted by the network), then answered by the network (done / failed)."""

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

    line = models.ForeignKey("fleet.Line", on_delete=models.CASCADE, related_name="provisioning_requests")
    operation = models.CharField(max_length=12, choices=Operation.choices)
    payload = models.JSONField(default=dict)
    # One key per request_provisioning() call: the worker's task and the line update select by it,
    # so a batch of 10,000 lines costs the same few queries as one line.
    batch = models.CharField(max_length=32, db_index=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Why it failed: the last delivery error, the network's refusal, or "timeout". (`sent_at`,
    # when the network accepted it: an answer not back within NETWORK_TIMEOUT_SECONDS is a failure.)
    error = models.TextField(blank=True)
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

    def mark_sent(self, now: datetime) -> list[str]:
        self.status, self.sent_at, self.error = self.Status.SENT, now, ""
        return ["status", "sent_at", "error"]

    def mark_failed(self, error: str, *, final: bool, now: datetime) -> list[str]:
        self.error = error
        if final:
            self.status, self.answered_at = self.Status.FAILED, now
        return ["status", "error", "answered_at"]


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
