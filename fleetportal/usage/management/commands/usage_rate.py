"""`manage.py usage_rate --period 2026-03 [--customer acme]`: (re-)rate a whole period, after a
change of plans or rates, and print what was rated. Ingests rate their own records already."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fleetportal.core.actor import SYSTEM
from fleetportal.core.commands import customer_option
from fleetportal.core.errors import ActionError
from fleetportal.usage.actions import usage_rate
from fleetportal.usage.periods import parse_period


class Command(BaseCommand):
    help = "Rate (again) every usage record of a period and rebuild its counters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, action="append", help="YYYY-MM; may be given more than once")
        parser.add_argument("--customer", help="only this customer's lines (login domain or id); default: all")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            periods = [parse_period(text) for text in options["period"]]
        except ValueError as exc:
            raise CommandError(f"--period: {exc}; use YYYY-MM") from exc
        customer = None
        if options["customer"]:
            customer = customer_option(options["customer"])
        try:
            rated = usage_rate(actor=SYSTEM, periods=periods, customer=customer)
        except ActionError as exc:
            raise CommandError(str(exc)) from exc
        lines = sum(len(ids) for ids in rated.lines.values())
        pools = sum(len(ids) for ids in rated.pools.values())
        months = ", ".join(f"{p:%Y-%m}" for p in sorted(periods))
        self.stdout.write(f"rated {months}: lines {lines}, group bundles {pools}, customers {len(rated.customers())}")
