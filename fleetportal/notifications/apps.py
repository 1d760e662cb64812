from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "fleetportal.notifications"
    label = "notifications"
