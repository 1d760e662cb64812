"""`manage.py usage_partitions list | create [--ahead 3] | detach --period 2026-03`: the month
partitions of the usage records on PostgreSQL (`usage.partitions`). `list` shows each with its
estimated rows and size, `create` makes the current month's and the next ones' (the daily job
does the same), `detach` takes a past month out of the portal (its table stays, to archive)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fleetportal.core.actor import SYSTEM
from fleetportal.core.errors import ActionError
from fleetportal.usage import partitions
from fleetportal.usage.actions import usage_partition_detach
from fleetportal.usage.periods import parse_period


class Command(BaseCommand):
    help = "List, create ahead or detach the usage records' month partitions (PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="the partitions, their rows (estimated) and size")
        create = actions.add_parser("create", help="the partitions of this month and the next ones")
        create.add_argument("--ahead", type=int, default=partitions.AHEAD, help="months after this one")
        detach = actions.add_parser("detach", help="take a past month out of the portal; its table stays")
        detach.add_argument("--period", required=True, help="YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        if not partitions.partitioned():
            raise CommandError("usage records are partitioned on PostgreSQL only")
        if options["action"] == "create":
            if options["ahead"] < 0:
                raise CommandError("--ahead: give 0 or more months")
            created = partitions.ensure_partitions(options["ahead"])
            self.stdout.write(f"created: {', '.join(created)}" if created else "every partition exists already")
        elif options["action"] == "detach":
            try:
                table = usage_partition_detach(actor=SYSTEM, period=parse_period(options["period"]))
            except ValueError as exc:
                raise CommandError(f"--period: {exc}; use YYYY-MM") from exc
            except ActionError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"detached {options['period']}: its records are in the table {table}")
        else:
            for part in partitions.partitions():
                month = "default" if part.period is None else f"{part.period:%Y-%m}"
                rows = "?" if part.rows is None else f"{part.rows:,}"
                self.stdout.write(f"{month:8} {part.name:32} {rows:>14} rows {part.size / 1e6:10.1f} MB")
