from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "fleetportal.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fleetportal.core.audit_labels import ACTION_LABELS

        from . import channel, navigation, policy

        policy.register()
        channel.register()  # its fan-out is registered with the kernel's events on import
        navigation.register()
        for code, label in (
            ("webhook.created", _("Webhook endpoint added")),
            ("webhook.changed", _("Webhook endpoint changed")),
            ("webhook.secret_rotated", _("Webhook signing secret replaced")),
            ("webhook.deleted", _("Webhook endpoint removed")),
            ("webhook.disabled", _("Webhook endpoint switched off after failures")),
            ("webhook.resent", _("Webhook delivery sent again")),
        ):
            ACTION_LABELS.setdefault(code, label)
