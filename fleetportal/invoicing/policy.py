"""Who may see invoices: the billing managers (and keys with the billing or read scope) of the
invoice's customer, every invoice of it; the employee of a split-bill line, their own private
invoices (F-64: `member`). A manager without the billing right sees only what is theirs as a
member, which is nothing but their own private invoices. A phone-number login sees the private
invoices of its own number's live line (R-I5), which is what a number login has of F-64, unless
the contract holder took the "invoices" function away from number logins (F-08)."""

from django.db.models import Q

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import Invoice, InvoiceItem

BILLING = Function.BILLING
RIGHTS = (BILLING,)
NUMBER_LOGIN_INVOICES = "invoices"  # the private invoices' function of a phone-number login (accounts.rights)


def private_of_live_line(prefix: str = "") -> Q:
    """A phone-number login's part of the invoices (`prefix` leads from another model to one):
    private, of a line that is not stopped (the number's next user will not see them)."""
    return Q(**{f"{prefix}kind": Invoice.Kind.PRIVATE}) & ~Q(**{f"{prefix}line__status": "stopped"})


def register() -> None:
    scope.register(
        Invoice,
        scope.Rule(
            customer="customer",
            rights=RIGHTS,
            own="member",
            number="line__msisdn",
            number_also=private_of_live_line(),
            number_function=NUMBER_LOGIN_INVOICES,
        ),
    )
    scope.register(
        InvoiceItem,
        scope.Rule(
            customer="invoice__customer",
            rights=RIGHTS,
            own="invoice__member",
            number="invoice__line__msisdn",
            number_also=private_of_live_line("invoice__"),
            number_function=NUMBER_LOGIN_INVOICES,
        ),
    )
