from django.apps import AppConfig


class BundlesConfig(AppConfig):
    name = "fleetportal.bundles"
    label = "bundles"

    def ready(self) -> None:
        from . import policy

        policy.register()
