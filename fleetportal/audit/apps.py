from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit log's page, CSV export and API (F-33); the trail itself is the kernel's."""

    name = "fleetportal.audit"
    label = "audit"

    def ready(self) -> None:
        from . import policy

        policy.register()
        from .navigation import register as register_navigation

        register_navigation()  # its dashboard tiles and menu entries
