from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "fleetportal.backoffice"
    label = "backoffice"

    def ready(self) -> None:
        from .navigation import register as register_navigation

        register_navigation()  # its dashboard tiles and menu entries
