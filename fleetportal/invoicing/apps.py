from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "fleetportal.invoicing"
    label = "invoicing"
