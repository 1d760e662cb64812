from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "fleetportal.notifications"
    label = "notifications"

    def ready(self) -> None:
        from .channels import register

        register()
