from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "fleetportal.invoicing"
    label = "invoicing"

    def ready(self) -> None:
        from . import policy

        policy.register()
