from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "fleetportal.network"
    label = "network"
