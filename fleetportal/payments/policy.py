"""Who may see payments and who may pay an invoice (F-62, F-64, F-08).

Payments are seen by the billing managers (and keys with the billing or read scope) of the
invoice's customer, by the employee whose private invoice it pays, and by a phone-number login,
the payments of the private invoices it sees (its number's, R-I5). The providers' call log and
the test provider's own rows are the operator's: staff only.

`may_pay` is the one rule of who pays: the action refuses everyone else, and the "Pay" button
shows to whom it allows."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope
from fleetportal.core.actor import Actor
from fleetportal.invoicing.models import Invoice
from fleetportal.invoicing.policy import NUMBER_LOGIN_INVOICES, private_of_live_line

from .models import Payment, ProviderEvent

BILLING = Function.BILLING
RIGHTS = (BILLING,)


def may_pay(actor: Actor, invoice: Invoice) -> bool:
    """An employee pays their own private invoice (F-64): by their login, or by a phone-number
    login the private invoices of that number it sees (the invoicing scope rule: its live line's,
    if number logins have the invoices function); a company invoice is paid by a manager with the
    billing right (or a key with that scope) of its customer."""
    if actor.customer is None or invoice.customer_id != actor.customer.pk:
        return False
    if actor.number is not None:
        return invoice.kind == Invoice.Kind.PRIVATE and scope.scope(actor, Invoice).filter(pk=invoice.pk).exists()
    if invoice.kind == Invoice.Kind.PRIVATE:
        return actor.user is not None and invoice.member_id == actor.user.pk
    return actor.can(BILLING)


def register() -> None:
    scope.register(
        Payment,
        scope.Rule(
            customer="invoice__customer",
            rights=RIGHTS,
            own="invoice__member",
            number="invoice__line__msisdn",
            number_also=private_of_live_line("invoice__"),
            number_function=NUMBER_LOGIN_INVOICES,
        ),
    )
    scope.register(ProviderEvent, scope.Rule(customer=None, rights=()))
