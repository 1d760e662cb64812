from django.core.management.base import BaseCommand

from fleetportal.demo import data as demo


class Command(BaseCommand):
    help = "Load the demo operator, customers and logins (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        demo.load()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Password for every login: {demo.DEMO_PASSWORD}"))
