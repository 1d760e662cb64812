from django.core.management.base import BaseCommand

from fleetportal.demo import data as demo
from fleetportal.demo.usage import load_usage


class Command(BaseCommand):
    help = "Load the demo operator, customers and logins, then Acme's six months of usage (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        demo.load()
        # Usage after the rest: it needs the lines, and rating and alerts run on it at once.
        records = load_usage()
        if records:
            self.stdout.write(f"Usage: {records} records ingested and rated.")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Password for every login: {demo.DEMO_PASSWORD}"))
