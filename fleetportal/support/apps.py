from typing import cast

from django.apps import AppConfig
from django.utils.functional import Promise


class SupportConfig(AppConfig):
    name = "fleetportal.support"
    label = "support"

    def ready(self) -> None:
        from fleetportal.core.audit_labels import ACTION_LABELS

        from . import events, navigation, policy

        policy.register()
        navigation.register()
        for event in events.ALL:
            ACTION_LABELS.setdefault(event.name, cast(Promise, event.label))
        for action, label in events.AUDIT_LABELS.items():
            ACTION_LABELS.setdefault(action, label)
