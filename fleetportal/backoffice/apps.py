from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "fleetportal.backoffice"
    label = "backoffice"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fleetportal.core.audit_labels import ACTION_LABELS, FIELD_LABELS

        from . import policy
        from .navigation import register as register_navigation

        policy.register()  # customers, the pool and staff keys: staff only
        register_navigation()  # its dashboard tiles and menu entries
        for code, label in (
            ("customer.updated", _("Customer changed")),
            ("customer.suspended", _("Customer suspended")),
            ("customer.reinstated", _("Customer reinstated")),
            ("contract.updated", _("Contract changed")),
            ("contract.price_set", _("Contract price set")),
            ("contract.item_withdrawn", _("Item withdrawn from a contract")),
            ("contract.catalogue_retained", _("Catalogue retained by a contract at list price")),
            ("pool.imported", _("Numbers imported into the pool")),
            ("sim_stock.imported", _("SIM cards imported into the stock")),
            ("staff.role_changed", _("Staff role changed")),
            ("staff_api_key.created", _("Staff API key created")),
            ("staff_api_key.revoked", _("Staff API key revoked")),
        ):
            ACTION_LABELS.setdefault(code, label)
        for key, label in (
            ("price", _("monthly price")),
            ("code", _("code")),
            ("first", _("first number")),
            ("last", _("last number")),
            ("created", _("created")),
            ("skipped", _("skipped")),
            ("count", _("count")),
            ("country", _("country")),
            ("currency", _("currency")),
            ("vat_number", _("VAT number")),
            ("legal_name", _("legal name")),
            ("start_date", _("start date")),
            ("contact_email", _("contract e-mail")),
            ("contact_mobile", _("contract mobile number")),
        ):
            FIELD_LABELS.setdefault(key, label)
