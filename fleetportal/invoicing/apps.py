from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "fleetportal.invoicing"
    label = "invoicing"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fleetportal.core.audit_labels import ACTION_LABELS

        from . import events, policy

        policy.register()
        # The audit log names this app's actions in the reader's language.
        ACTION_LABELS.setdefault(events.INVOICE_ISSUED.name, _("Invoice issued"))
        ACTION_LABELS.setdefault(events.INVOICE_CREDITED.name, _("Invoice credited"))
        ACTION_LABELS.setdefault(events.INVOICE_PAID.name, _("Invoice paid"))
        ACTION_LABELS.setdefault("invoice_run.started", _("Invoice run started"))
