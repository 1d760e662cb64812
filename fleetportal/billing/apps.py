from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "fleetportal.billing"
    label = "billing"

    def ready(self) -> None:
        from . import policy

        policy.register()
