from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fleetportal.accounts"
    label = "accounts"

    def ready(self) -> None:
        from .navigation import register as register_navigation

        register_navigation()  # its dashboard tiles and menu entries
