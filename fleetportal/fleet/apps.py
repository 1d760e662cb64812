from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "fleetportal.fleet"
    label = "fleet"

    def ready(self) -> None:
        from . import hooks  # noqa: F401  (registers the network's done hooks)
