from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "fleetportal.network"
    label = "network"

    def ready(self) -> None:
        from .delivery import register_channel

        register_channel()
