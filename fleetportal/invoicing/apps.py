from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "fleetportal.invoicing"
    label = "invoicing"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fleetportal.core.audit_labels import ACTION_LABELS

        from . import consumers, events, navigation, policy  # noqa: F401  (consumers registers itself)

        policy.register()
        navigation.register()
        # The audit log names this app's actions in the reader's language.
        ACTION_LABELS.setdefault(events.INVOICE_ISSUED.name, _("Invoice issued"))
        ACTION_LABELS.setdefault(events.INVOICE_CREDITED.name, _("Invoice credited"))
        ACTION_LABELS.setdefault(events.INVOICE_PAID.name, _("Invoice paid"))
        ACTION_LABELS.setdefault("invoice_run.started", _("Invoice run started"))
        ACTION_LABELS.setdefault("invoice.sent", _("Invoice sent by e-mail"))
        ACTION_LABELS.setdefault("invoices.exported", _("Invoices exported"))
        ACTION_LABELS.setdefault("mandate.requested", _("Direct debit mandate signed"))
        ACTION_LABELS.setdefault("payment_mode.changed", _("Payment mode changed"))
        ACTION_LABELS.setdefault("bank_statement.imported", _("Bank statement imported"))
        ACTION_LABELS.setdefault("bank_entry.matched", _("Bank statement line matched by hand"))
