"""What a phone-number login may do (F-08, R-I5): its own line's pages only, and of those
only what the contract holder allows (all of them unless limited)."""

from django.utils.translation import gettext_lazy as _

NUMBER_LOGIN_FUNCTIONS = {
    "usage": _("See usage"),
    "invoices": _("See and pay private invoices"),
    "options": _("Change options"),
    "alerts": _("Usage alert settings"),
}
