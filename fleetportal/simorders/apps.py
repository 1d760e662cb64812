from typing import cast

from django.apps import AppConfig
from django.utils.functional import Promise


class SimOrdersConfig(AppConfig):
    name = "fleetportal.simorders"
    label = "simorders"
    verbose_name = "Blank SIM card orders"

    def ready(self) -> None:
        from fleetportal.core.audit_labels import ACTION_LABELS

        from . import events, navigation, policy

        policy.register()
        navigation.register()
        # The audit rows carry the events' codes: the log names them with the events' labels.
        for event in events.ALL:
            ACTION_LABELS.setdefault(event.name, cast(Promise, event.label))
