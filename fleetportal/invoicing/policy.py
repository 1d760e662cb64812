"""Who may see invoices: the billing managers (and keys with the billing or read scope) of the
invoice's customer, every invoice of it; the employee of a split-bill line, their own private
invoices (F-64: `member`). A manager without the billing right sees only what is theirs as a
member, which is nothing but their own private invoices."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import Invoice, InvoiceItem

BILLING = Function.BILLING
RIGHTS = (BILLING,)


def register() -> None:
    scope.register(Invoice, scope.Rule(customer="customer", rights=RIGHTS, own="member"))
    scope.register(InvoiceItem, scope.Rule(customer="invoice__customer", rights=RIGHTS, own="invoice__member"))
