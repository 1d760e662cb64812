from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fleetportal.accounts"
    label = "accounts"
