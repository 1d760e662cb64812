from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "fleetportal.usage"
    label = "usage"

    def ready(self) -> None:
        from fleetportal.core.audit_labels import ACTION_LABELS, register_values

        from . import (
            consumers,  # noqa: F401  (registers rating as the consumer of usage.ingested)
            events,
            navigation,
            policy,
        )
        from .models import IngestJob

        policy.register()
        navigation.register()
        # The audit log names this app's action and values in the reader's language.
        ACTION_LABELS.setdefault("usage.ingested", events.AUDIT_LABEL)
        ACTION_LABELS.setdefault("usage.rated", events.RATED_LABEL)
        ACTION_LABELS.setdefault("usage.exported", _("Usage figures exported"))
        ACTION_LABELS.setdefault("usage.partition_detached", _("Month of usage records detached"))
        register_values("source", IngestJob.Source.choices)
