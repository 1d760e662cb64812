from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "fleetportal.catalog"
    label = "catalog"

    def ready(self) -> None:
        from . import policy

        policy.register()
        from .navigation import register as register_navigation

        register_navigation()  # its dashboard tiles and menu entries
