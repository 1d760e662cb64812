from django.core.management.base import BaseCommand

from fleetportal.demo import data as demo
from fleetportal.demo.billing import load_billing
from fleetportal.demo.usage import load_usage


class Command(BaseCommand):
    help = "Load the demo operator, customers and logins, then six months of usage and of invoices (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        demo.load()
        # Usage after the rest: it needs the lines, and rating and alerts run on it at once.
        records = load_usage()
        if records:
            self.stdout.write(f"Usage: {records} records ingested and rated.")
        # Invoices after the usage: the runs invoice the rated months.
        invoices = load_billing()
        if invoices:
            self.stdout.write(f"Invoices: {invoices} issued for six months, some paid, one overdue, one credited.")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Password for every login: {demo.DEMO_PASSWORD}"))
