from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "fleetportal.payments"
    label = "payments"
