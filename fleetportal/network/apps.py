from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "fleetportal.network"
    label = "network"

    def ready(self) -> None:
        from . import policy
        from .delivery import register_channel

        policy.register()

        register_channel()
