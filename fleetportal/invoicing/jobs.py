"""The worker's side of invoice runs: load the run, call the action."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fleetportal.core.actor import SYSTEM, Actor
from fleetportal.usage.periods import period_of

from .actions import invoice_run_execute, invoice_run_start
from .models import InvoiceRun


def run_invoices(run_id: int) -> InvoiceRun:
    run = InvoiceRun.objects.select_related("customer").get(pk=run_id)
    if run.status == InvoiceRun.Status.DONE:
        return run
    return invoice_run_execute(actor=SYSTEM, run=run)


def run_previous_period(actor: Actor = SYSTEM) -> InvoiceRun:
    """The monthly run: every customer, the period that just ended."""
    previous = period_of(timezone.now()).replace(day=1) - dt.timedelta(days=1)
    run = invoice_run_start(actor=actor, period=previous.replace(day=1))
    return invoice_run_execute(actor=actor, run=run)
