from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "fleetportal.backoffice"
    label = "backoffice"
