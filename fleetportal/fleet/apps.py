from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "fleetportal.fleet"
    label = "fleet"

    def ready(self) -> None:
        from . import (
            consumers,  # noqa: F401  (registers the consumers of the network's events)
            policy,
        )

        policy.register()
        from .navigation import register as register_navigation

        register_navigation()  # its dashboard tiles and menu entries
