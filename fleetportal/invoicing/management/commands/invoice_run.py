"""`manage.py invoice_run --period 2026-03 [--customer acme]`: invoice a closed period now (all
customers, or one) and print the run's counts. Repeating it skips what is already invoiced."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fleetportal.core.actor import SYSTEM
from fleetportal.core.commands import customer_option
from fleetportal.core.errors import ActionError
from fleetportal.invoicing.actions import invoice_run_execute, invoice_run_start
from fleetportal.usage.periods import parse_period


class Command(BaseCommand):
    help = "Issue the invoices of a closed period (one per billing account) and the private split-bill invoices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--customer", help="only this customer (login domain or id); default: all")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(f"--period: {exc}; use YYYY-MM") from exc
        customer = None
        if options["customer"]:
            customer = customer_option(options["customer"])
        try:
            run = invoice_run_start(actor=SYSTEM, period=period, customer=customer)
        except ActionError as exc:
            raise CommandError(f"--{exc.field}: {exc}" if exc.field else str(exc)) from exc
        run = invoice_run_execute(actor=SYSTEM, run=run)
        self.stdout.write(
            f"invoiced {run.period:%Y-%m}: accounts {run.accounts}, invoices {run.invoices}, "
            f"already invoiced {run.skipped}, problems {run.problems}, total incl. VAT {run.total_incl_vat}"
        )
