from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fleetportal.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import policy

        policy.register()  # the scope rules of memberships and API keys
        from .navigation import register as register_navigation

        register_navigation()  # its dashboard tiles and menu entries
