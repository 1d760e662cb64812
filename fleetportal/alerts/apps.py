from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "fleetportal.alerts"
    label = "alerts"
