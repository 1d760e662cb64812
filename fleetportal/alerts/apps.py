from typing import cast

from django.apps import AppConfig
from django.utils.functional import Promise


class AlertsConfig(AppConfig):
    name = "fleetportal.alerts"
    label = "alerts"

    def ready(self) -> None:
        from fleetportal.core.audit_labels import ACTION_LABELS

        from . import consumers, events, navigation, policy  # noqa: F401  (consumers registers itself)

        policy.register()
        navigation.register()
        for event in events.ALL:
            ACTION_LABELS.setdefault(event.name, cast(Promise, event.label))
