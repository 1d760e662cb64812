from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "fleetportal.payments"
    label = "payments"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fleetportal.core.audit_labels import ACTION_LABELS

        from . import events, navigation, policy  # noqa: F401  (events registers its types)

        policy.register()
        navigation.register()
        for code, label in (
            ("payment.started", _("Online payment started")),
            ("payment.start_failed", _("Online payment could not be started")),
            ("payment.paid", _("Online payment received")),
            ("payment.failed", _("Online payment failed")),
            ("payment.canceled", _("Online payment canceled")),
            ("payment.expired", _("Online payment expired")),
            ("payment.refund_due", _("Online payment to refund (invoice paid already)")),
            ("payment.refunded", _("Online payment refunded")),
        ):
            ACTION_LABELS.setdefault(code, label)
