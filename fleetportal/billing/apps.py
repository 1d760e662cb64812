from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "fleetportal.billing"
    label = "billing"
