from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo company and its logins (`manage.py demo_data`): stands above every app."""

    name = "fleetportal.demo"
    label = "demo"
