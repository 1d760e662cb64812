from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "fleetportal.fleet"
    label = "fleet"

    def ready(self) -> None:
        from . import (
            consumers,  # noqa: F401  (registers the consumers of the network's events)
            policy,
        )

        policy.register()
        from .navigation import register as register_navigation

        register_navigation()  # its dashboard tiles and menu entries
        from fleetportal.core.audit_labels import register_values

        from .models import Line, Service, SimCard

        # the audit log names a line's states in the reader's language
        register_values("status", Line.Status.choices)
        register_values("network_state", Line.NetworkState.choices)
        register_values("civility", Line.Civility.choices)
        register_values("kind", SimCard.Kind.choices)
        for key in ("blocks", "blocked", "unblocked"):
            register_values(key, Service.choices)
        register_values("paybymobile", Line.PayByMobile.choices)
