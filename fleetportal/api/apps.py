from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "fleetportal.api"
    label = "api"
